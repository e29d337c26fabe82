"""Hand-off files written early, while the batch is checked: moved into place, or gone if it fails."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from domains.core import etl
from domains.core.bronze import BronzePartition
from domains.core.pipeline import make_context
from domains.core.quality import QualityReport, RowSplit

DAY = "2026-11-20"


def _part() -> BronzePartition:
    return BronzePartition("unused", DAY, 3, "ab" * 32, "test")


def _split() -> RowSplit:
    none = pd.Series([None] * 3)
    return RowSplit(pd.Series([True, True, False]).to_numpy(), none, none, {})


def _handoff(ctx, early: etl.EarlyHandoff) -> dict:
    """Hand off silver (written early) and a one-row quarantine."""
    frames = {"silver": None, "quarantine": pd.DataFrame({"row": [2]})}
    return etl.handoff(ctx, _part(), _split(), QualityReport("s", True, []), frames, early=early)


def _files(ctx) -> list[str]:
    folder = etl.partition_dir(ctx.data_dir, "fraud", "silver", DAY)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_an_early_write_is_moved_into_place(isolated_env) -> None:
    ctx = make_context("fraud", DAY)
    silver = pd.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    with etl.EarlyHandoff(ctx, _part()) as early:
        early.write("silver", silver)
        result = _handoff(ctx, early)
    assert result["silver_rows"] == 2 and result["quarantined_rows"] == 1
    assert pq.read_table(result["paths"]["silver"]).to_pandas().equals(silver)
    assert [f for f in _files(ctx) if f.endswith(".tmp")] == []


def test_a_failing_block_leaves_no_file(isolated_env) -> None:
    ctx = make_context("fraud", DAY)
    with pytest.raises(RuntimeError, match="suite failed"), etl.EarlyHandoff(ctx, _part()) as early:
        early.write("silver", pd.DataFrame({"id": range(1000)}))
        raise RuntimeError("suite failed")
    assert _files(ctx) == []


def test_a_failed_write_is_raised_where_it_is_taken(isolated_env) -> None:
    ctx = make_context("fraud", DAY)
    unwritable = pd.DataFrame({"mixed": [1, "a"]})  # Parquet cannot store one column of ints and text
    with etl.EarlyHandoff(ctx, _part()) as early:
        early.write("silver", unwritable)
        with pytest.raises(Exception, match="mixed"):
            _handoff(ctx, early)
    assert [f for f in _files(ctx) if "silver" in f] == []


def test_a_frame_not_written_early_cannot_be_taken(isolated_env) -> None:
    ctx = make_context("fraud", DAY)
    with etl.EarlyHandoff(ctx, _part()) as early, pytest.raises(ValueError, match="not written early"):
        early.take("silver")
