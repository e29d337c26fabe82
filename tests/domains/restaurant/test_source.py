"""Restaurant sources: deterministic synthetic reviews whose text follows the visit, bursts, dirt, files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from domains.core import text
from domains.core.sources import SourceError
from domains.restaurant.schema import RAW_COLUMNS, RAW_LINE_COLUMN
from domains.restaurant.source import businesses_table, generate_day, read_file_source


def test_synthetic_day_is_deterministic_and_in_the_raw_schema() -> None:
    a = generate_day("2026-11-20", 800).table
    assert a.equals(generate_day("2026-11-20", 800).table)
    assert not a.equals(generate_day("2026-11-21", 800).table)
    assert a.column_names == [*RAW_COLUMNS, RAW_LINE_COLUMN]


def test_reviews_refer_to_known_restaurants_except_planted_dirt() -> None:
    reviews = generate_day("2026-11-20", 3000, dirty_share=0.0).table.to_pandas()
    known = set(businesses_table().column("business_id").to_pylist())
    assert set(reviews["business_id"]) <= known
    assert reviews["review_id"].str.fullmatch(r"[A-Za-z0-9_-]{22}").all()
    assert reviews["stars"].isin(list("12345")).all()


def test_dirty_rows_are_planted_at_the_requested_share() -> None:
    reviews = generate_day("2026-11-20", 5000, dirty_share=0.02).table.to_pandas()
    bad = (
        ~reviews["stars"].isin(list("12345"))
        | reviews["text"].fillna("").str.strip().eq("")
        | ~reviews["review_id"].str.fullmatch(r"[A-Za-z0-9_-]{22}").fillna(False)
        | reviews["review_id"].duplicated()
        | ~pd.to_datetime(reviews["date"], errors="coerce", format="%Y-%m-%dT%H:%M:%S").notna()
        | ~reviews["business_id"].isin(set(businesses_table().column("business_id").to_pylist()))
    )
    assert 0.01 <= bad.mean() <= 0.03


def test_text_tone_follows_stars_but_not_perfectly() -> None:
    days = [generate_day(f"2026-11-{d}", 2000, dirty_share=0.0).table.to_pandas() for d in (10, 11, 12)]
    reviews = pd.concat(days)
    compound = np.array(text.vader_compound(reviews["text"]))
    stars = reviews["stars"].astype(int).to_numpy()
    means = [compound[stars == s].mean() for s in (1, 2, 3, 4, 5)]
    assert means == sorted(means)  # more stars, warmer words
    labels = np.where(stars <= 2, "negative", np.where(stars == 3, "neutral", "positive"))
    vader = np.array([text.vader_label(c) for c in compound])
    assert 0.3 < (vader == labels).mean() < 0.9  # a signal, not a rule that recovers the label


def test_some_days_carry_a_burst_of_identical_five_star_reviews() -> None:
    def burst_size(ds: str) -> int:
        day = generate_day(ds, 1000, dirty_share=0.0).table.to_pandas()
        fives = day[day["stars"] == "5"]
        return int(fives.groupby("business_id")["text"].apply(lambda t: t.str.contains("!!!").sum()).max())

    sizes = [burst_size(f"2026-10-{d:02d}") for d in range(1, 15)]
    assert any(s >= 20 for s in sizes) and any(s < 5 for s in sizes)


def test_user_export_is_read_as_text_with_bad_lines_kept(tmp_path) -> None:
    day = generate_day("2026-11-20", 50, dirty_share=0.0).table.to_pandas().drop(columns=[RAW_LINE_COLUMN])
    path = tmp_path / "reviews.csv"
    day.to_csv(path, index=False)
    with path.open("a") as fh:
        fh.write("only,three,fields\n")
    table = read_file_source(str(path), "2026-11-20").table.to_pandas()
    assert len(table) == 51 and table[RAW_LINE_COLUMN].notna().sum() == 1
    (tmp_path / "wrong.csv").write_text("id,stars\n1,5\n")
    with pytest.raises(SourceError, match=r"lacks required columns"):
        read_file_source(str(tmp_path / "wrong.csv"), "2026-11-20")
