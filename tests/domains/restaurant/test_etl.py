"""Restaurant transform rules on hand-made rows, day slicing of multi-day exports, and file sources."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from domains.core.quality import split_rows
from domains.core.sources import SourceError
from domains.restaurant.etl import build_silver, clean_businesses, day_slice, parse_and_check
from domains.restaurant.schema import RAW_COLUMNS, SILVER

DS = "2026-11-20"
BIZ = "B" * 22
GOOD = {
    "review_id": "R" * 22,
    "user_id": "U" * 22,
    "business_id": BIZ,
    "stars": "4",
    "date": f"{DS} 12:30:00",
    "text": "Loved the tacos, wasn't cheap though!",
    "useful": "1",
    "funny": "",
    "cool": "0",
}


def row(n: int, **changes: str | None) -> dict[str, str | None]:
    return {**GOOD, "review_id": f"{n:0>22}", **changes}


CASES = [
    (row(1), None),
    (row(2, text="   "), "missing_required_field"),
    (row(3, stars=None), "missing_required_field"),
    (row(4, review_id="short"), "malformed_id"),
    (row(5, user_id="has spaces in it 000000"), "malformed_id"),
    (row(6, stars="6"), "invalid_stars"),
    (row(7, stars="4.5"), "invalid_stars"),
    (row(8, stars="five"), "invalid_stars"),
    (row(9, date="2026-13-45 25:61:00"), "invalid_date"),
    (row(10, date="2026-11-19 23:59:59"), "date_outside_partition"),
    (row(11, useful="-1"), "invalid_vote_count"),
    (row(12, cool="lots"), "invalid_vote_count"),
    (row(13, business_id="Z" * 22), "unknown_business"),
    (row(1), "duplicate_review_id"),  # a re-sent review
    (row(14, stars="5.0", date=f"{DS}T08:00:00"), None),  # JSON-export spellings are fine
]


@pytest.fixture
def raw() -> pd.DataFrame:
    frame = pd.DataFrame([c for c, _ in CASES], columns=list(RAW_COLUMNS)).astype("str")
    return frame.where(pd.DataFrame([c for c, _ in CASES]).notna())


def test_each_broken_row_is_quarantined_with_its_rule(raw: pd.DataFrame) -> None:
    _, failures = parse_and_check(raw, DS, pd.Index([BIZ]))
    split = split_rows(len(raw), failures)
    assert split.rule.tolist() == [rule for _, rule in CASES]


def test_silver_has_sentiment_tokens_and_vader(raw: pd.DataFrame) -> None:
    typed, failures = parse_and_check(raw, DS, pd.Index([BIZ]))
    split = split_rows(len(raw), failures)
    businesses = pd.DataFrame({"business_id": [BIZ], "name": ["Taco Place"], "city": ["Phoenix"]})
    silver = build_silver(raw, typed, split.valid, businesses, DS, "abc")
    assert list(silver.columns) == list(SILVER.columns)
    assert len(silver) + split.n_quarantined == len(raw)
    first = silver.iloc[0]
    assert (first["stars"], first["sentiment"], first["business_name"]) == (4, "positive", "Taco Place")
    assert first["tokens"] == "loved tacos wasn't NOT_cheap !" and first["has_negation"] == 1
    assert first["vader_compound"] > 0.3 and first["vader_label"] == "positive"
    assert silver["funny"].tolist() == [0, 0]  # a blank vote count is zero votes
    assert silver.iloc[1]["stars"] == 5


def test_businesses_keep_well_formed_ids_once() -> None:
    raw = pd.DataFrame(
        {
            "business_id": [BIZ, BIZ, "bad id"],
            "name": ["Old name", "New name", "x"],
            "city": ["Phoenix"] * 3,
            "categories": ["Restaurants"] * 3,
        }
    )
    clean = clean_businesses(raw, DS)
    assert clean["name"].tolist() == ["New name"] and clean["ds"].tolist() == [DS]


def test_a_multi_day_export_gives_each_run_its_day_and_keeps_undated_rows() -> None:
    table = pa.table(
        {"date": [f"{DS} 01:00:00", "2026-11-19 23:00:00", "not a date", None, f"{DS}T05:00:00"]}
    )
    assert day_slice(table, DS).column("date").to_pylist() == [
        f"{DS} 01:00:00",
        "not a date",
        None,
        f"{DS}T05:00:00",
    ]


def test_file_source_runs_with_its_businesses_file(tmp_path, isolated_env, monkeypatch) -> None:
    from domains.core.pipeline import run_pipeline
    from domains.restaurant.source import businesses_table, generate_day

    reviews = pa.concat_tables([generate_day(d, 400).table for d in ("2026-11-19", DS)]).drop_columns(
        ["_raw"]
    )
    pd.DataFrame(reviews.to_pandas()).to_csv(tmp_path / "reviews.csv", index=False)
    monkeypatch.setenv("RESTAURANT_SOURCE", str(tmp_path / "reviews.csv"))
    with pytest.raises(SourceError, match="RESTAURANT_BUSINESSES_SOURCE"):
        run_pipeline("restaurant", DS, stages=("extract",))

    businesses_table().to_pandas().to_parquet(tmp_path / "businesses.parquet")
    monkeypatch.setenv("RESTAURANT_BUSINESSES_SOURCE", str(tmp_path / "businesses.parquet"))
    result = run_pipeline("restaurant", DS, stages=("extract", "transform", "load"))
    dates = reviews.column("date").to_pandas().fillna("").str[:10]
    undated = pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce").isna()
    day_rows = int(np.sum((dates == DS) | undated))  # undated rows come along, to be quarantined
    assert result["extract"]["rows"] == day_rows
    assert result["load"]["silver_rows"] + result["load"]["quarantined_rows"] == day_rows
