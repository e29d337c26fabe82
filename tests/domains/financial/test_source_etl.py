"""The synthetic market, the trading calendar, row rules with quarantine, and the incremental slices."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from domains.core.pipeline import make_context, run_pipeline
from domains.financial import calendar
from domains.financial.etl import parse_and_check
from domains.financial.schema import GOLD_DAILY, INDICATORS, QUARANTINE, SILVER
from domains.financial.source import generate_market, synthetic_extract, to_raw


def test_calendar_skips_weekends_and_exchange_holidays() -> None:
    days = calendar.trading_days("2025-12-22", "2026-01-05")
    assert pd.Timestamp("2025-12-25") not in days and pd.Timestamp("2026-01-01") not in days
    assert all(d.weekday() < 5 for d in days)
    assert pd.Timestamp("2026-04-03") not in calendar.trading_days("2026-03-30", "2026-04-10")  # Good Friday
    assert calendar.next_trading_day("2026-11-26") == pd.Timestamp("2026-11-27")  # Thanksgiving
    assert calendar.next_trading_day("2026-11-20") == pd.Timestamp("2026-11-23")


def test_market_is_prefix_stable_fat_tailed_and_mean_reverting() -> None:
    long = generate_market("2019-12-31", 6)
    short = generate_market("2017-12-31", 6)
    head = long.loc[long["date"] <= "2017-12-31"].reset_index(drop=True)
    pd.testing.assert_frame_equal(head, short)
    r = np.log(long.pivot(index="date", columns="ticker", values="adj_close")).diff().dropna()
    assert (r.kurt() > 1).all()  # fat tails
    assert -0.3 < r.apply(lambda s: s.autocorr()).mean() < -0.02  # the planted, imperfect signal
    pure = generate_market("2019-12-31", 6, signal=0.0)
    rp = np.log(pure.pivot(index="date", columns="ticker", values="adj_close")).diff().dropna()
    assert abs(rp.apply(lambda s: s.autocorr()).mean()) < 0.03
    # Splits: the raw close jumps, the adjusted close does not.
    factor = (long["adj_close"] / long["close"]).round(9)
    assert factor.nunique() > 1


def _rules(raw: pd.DataFrame) -> dict[str, int]:
    from domains.core.quality import split_rows

    _, failures = parse_and_check(raw, "2030-01-01")
    return split_rows(len(raw), failures).counts


def test_every_planted_corruption_is_quarantined_with_its_rule() -> None:
    raw = to_raw(generate_market("2016-12-31", 10), dirty_share=0.03).to_pandas()
    counts = _rules(raw)
    for rule in (
        "high_below_low",
        "negative_volume",
        "non_positive_price",
        "missing_required_field",
        "invalid_date",
        "duplicate_date",
    ):
        assert counts.get(rule, 0) > 0, (rule, counts)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"High": "9.0", "Low": "11.0"}, "high_below_low"),
        ({"Volume": "-5"}, "negative_volume"),
        ({"Close": "0"}, "non_positive_price"),
        ({"Open": "abc"}, "invalid_price"),
        ({"Open": "20.0"}, "ohlc_inconsistent"),
        ({"Ticker": "bad ticker!"}, "malformed_ticker"),
        ({"Date": "2024/01/02"}, "invalid_date"),
        ({"Date": "2031-01-02"}, "date_not_before_run"),
    ],
)
def test_a_bad_bar_breaks_its_rule(change: dict[str, Any], rule: str) -> None:
    good = {
        "Date": "2024-01-02",
        "Open": "10.0",
        "High": "11.0",
        "Low": "9.5",
        "Close": "10.5",
        "Adj Close": "10.5",
        "Volume": "1000",
        "Ticker": "ABCD",
    }
    from domains.core.quality import split_rows

    raw = pd.DataFrame([good, {**good, **change}])
    split = split_rows(2, parse_and_check(raw, "2030-01-01")[1])
    assert split.valid.tolist() == [True, False] and split.rule.iloc[1] == rule


def test_incremental_runs_take_the_slice_after_the_high_water_mark(isolated_env: dict[str, str]) -> None:
    etl = ("extract", "transform", "load")
    first = run_pipeline("financial", "2026-11-18", stages=etl)  # Wednesday: all history before it
    assert first["extract"]["after"] is None and first["transform"]["bars_through"] == "2026-11-17"
    thursday = run_pipeline("financial", "2026-11-19", stages=etl)
    assert thursday["extract"]["after"] == "2026-11-17" and thursday["extract"]["rows"] >= 8
    sunday = run_pipeline("financial", "2026-11-22", stages=etl)  # Thursday's and Friday's bars
    assert sunday["transform"]["bars_through"] == "2026-11-20"
    monday = run_pipeline("financial", "2026-11-23", stages=etl)  # nothing new over the weekend
    assert monday["extract"]["rows"] == 0 and monday["load"]["silver_rows"] == 0

    wh = make_context("financial", "2026-11-23").warehouse
    before = {t.name: wh.count(t) for t in (SILVER, QUARANTINE, INDICATORS, GOLD_DAILY)}
    again = run_pipeline("financial", "2026-11-19", stages=etl)  # a re-run takes the same slice
    assert again["extract"]["checksum"] == thursday["extract"]["checksum"]
    assert {t.name: wh.count(t) for t in (SILVER, QUARANTINE, INDICATORS, GOLD_DAILY)} == before
    bars = wh.read_table(SILVER, ["ticker", "date"])
    assert not bars.duplicated().any()
    # Every loaded bar has its indicators, and the batch reconciled: bronze = silver + quarantine.
    assert wh.count(INDICATORS) == wh.count(SILVER)
    assert first["load"]["silver_rows"] + first["load"]["quarantined_rows"] == first["load"]["bronze_rows"]


def test_file_source_slices_by_date(isolated_env: dict[str, str], tmp_path, monkeypatch) -> None:
    raw = synthetic_extract(None, "2016-01-01", 3, 0.0).table.to_pandas().drop(columns=["_raw"])
    path = tmp_path / "prices.csv"
    raw.to_csv(path, index=False)
    monkeypatch.setenv("FINANCIAL_SOURCE", str(path))
    out = run_pipeline("financial", "2015-06-01", stages=("extract", "transform", "load"))
    expected = (pd.to_datetime(raw["Date"]) < "2015-06-01").sum()
    assert out["extract"]["rows"] == expected and out["transform"]["quarantined_rows"] == 0
