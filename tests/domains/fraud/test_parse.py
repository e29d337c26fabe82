"""The fraud parse gives the same typed rows and rule masks whether it runs in one pass or in halves."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from domains.core import quality
from domains.fraud.etl import parse_and_check
from domains.fraud.schema import RAW_LINE_COLUMN
from domains.fraud.source import generate_day


def test_parsing_in_two_halves_matches_one_pass_and_finds_duplicates_across_them(monkeypatch) -> None:
    raw = generate_day("2026-11-20", 3000, 0.05).table.to_pandas()
    if RAW_LINE_COLUMN not in raw.columns:
        raw[RAW_LINE_COLUMN] = pd.Series(pd.NA, index=raw.index, dtype="str")
    one_typed, one_rules = parse_and_check(raw, "2026-11-20")
    valid = np.flatnonzero(~np.logical_or.reduce(list(one_rules.values())))
    first, late = valid[10], valid[-10]  # one in each half
    raw.loc[late, "trans_num"] = raw.loc[first, "trans_num"].upper()  # a re-send, differently cased
    one_typed, one_rules = parse_and_check(raw, "2026-11-20")
    assert one_rules["duplicate_trans_num"][late] and not one_rules["duplicate_trans_num"][first]

    monkeypatch.setattr(quality, "PARALLEL_MIN_ROWS", 0)
    with ThreadPoolExecutor(1) as pool:
        typed, rules = parse_and_check(raw, "2026-11-20", pool)
    pd.testing.assert_frame_equal(typed, one_typed)
    assert list(rules) == list(one_rules)
    for rule, mask in one_rules.items():
        assert np.array_equal(rules[rule], mask), rule
    assert sum(m.sum() for m in one_rules.values()) > 50  # the dirty rows did break rules


def test_card_pseudonyms_follow_the_raw_rows_and_a_missing_column_gives_missing_ids() -> None:
    from domains.core.privacy import pseudonymise
    from domains.fraud.etl import card_pseudonyms

    raw = pd.DataFrame({"cc_num": [" 4000123412341234", None, "4000123412341234"]}, index=[7, 8, 9])
    ids = card_pseudonyms(raw, "k" * 32)
    assert ids.index.tolist() == [7, 8, 9] and pd.isna(ids[8])
    assert ids[7] == ids[9] == pseudonymise(pd.Series(["4000123412341234"]), "k" * 32)[0]
    assert card_pseudonyms(pd.DataFrame({"amt": ["1"]}), "k" * 32).isna().all()
