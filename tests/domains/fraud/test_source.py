"""The fraud sources: a deterministic, realistic synthetic day, and user files in the raw schema."""

from __future__ import annotations

import pandas as pd
import pytest

from domains.core.sources import SourceError
from domains.fraud.schema import RAW_COLUMNS, RAW_LINE_COLUMN
from domains.fraud.source import generate_day, read_file_source


def test_synthetic_day_is_deterministic_per_date() -> None:
    a, b = generate_day("2026-11-20", 5000), generate_day("2026-11-20", 5000)
    other = generate_day("2026-11-21", 5000)
    assert a.checksum == b.checksum
    assert a.checksum != other.checksum
    assert a.table.equals(b.table)


def test_synthetic_day_has_the_raw_schema_realistic_fraud_and_some_dirt() -> None:
    day = generate_day("2026-11-20", 40_000).table.to_pandas()
    assert list(day.columns) == [*RAW_COLUMNS, RAW_LINE_COLUMN]
    labels = day["is_fraud"].value_counts()
    fraud_share = labels.get("1", 0) / len(day)
    assert 0.004 <= fraud_share <= 0.012
    amounts = pd.to_numeric(day["amt"], errors="coerce")
    not_numeric = amounts.isna().sum()
    assert 0 < not_numeric < 0.01 * len(day)
    assert (amounts < 0).sum() > 0  # some out-of-range values are injected
    assert day["trans_num"].duplicated().sum() > 0  # and some re-sent transactions
    # Legitimate spending is skewed like card spend: median well below the mean.
    assert amounts[amounts > 0].median() < amounts[amounts > 0].mean()


def test_a_csv_export_is_read_as_text_with_bad_lines_kept(tmp_path) -> None:
    day = generate_day("2026-11-20", 300).table.to_pandas().drop(columns=[RAW_LINE_COLUMN])
    path = tmp_path / "export.csv"
    day.to_csv(path, index=False)
    with path.open("a") as fh:
        fh.write("this,line,has,too,few,fields\n")
    extract = read_file_source(str(path), "2026-11-20")
    table = extract.table.to_pandas()
    assert len(table) == 301
    assert table[RAW_LINE_COLUMN].notna().sum() == 1
    assert table.loc[table[RAW_LINE_COLUMN].notna(), RAW_LINE_COLUMN].iloc[0].startswith("this,line")
    assert len(extract.checksum) == 64


def test_a_per_day_path_template_picks_the_day_file(tmp_path) -> None:
    day = generate_day("2026-11-20", 200).table.to_pandas().drop(columns=[RAW_LINE_COLUMN])
    day.to_parquet(tmp_path / "fraud_2026-11-20.parquet")
    extract = read_file_source(str(tmp_path / "fraud_{ds}.parquet"), "2026-11-20")
    assert extract.table.num_rows == 200
    with pytest.raises(SourceError, match="does not exist"):
        read_file_source(str(tmp_path / "fraud_{ds}.parquet"), "2026-11-21")


def test_a_file_missing_columns_is_refused_naming_them(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    pd.DataFrame({"amt": [1.0], "cc_num": ["4111111111111111"]}).to_csv(path, index=False)
    with pytest.raises(SourceError, match=r"lacks required columns.*trans_num"):
        read_file_source(str(path), "2026-11-20")
