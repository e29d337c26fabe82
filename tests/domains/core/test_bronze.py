"""Bronze partitions: written once per checksum, in parts on several threads, read back in row order."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from domains.core import bronze
from domains.core.bronze import (
    BronzePartition,
    bronze_parts,
    latest_bronze,
    read_bronze,
    write_bronze,
)


def _raw(n: int) -> pa.Table:
    ids = np.arange(n)
    return pa.table(
        {
            "id": pa.array(ids.astype(str)),
            "amount": pa.array([f"{v:.2f}" for v in ids * 1.5]),
            "note": pa.array([None if v % 7 == 0 else f"row {v}" for v in ids], pa.string()),
        }
    )


def test_parts_are_consecutive_slices_of_at_least_the_minimum(monkeypatch):
    monkeypatch.setattr(bronze, "PART_MIN_ROWS", 10)
    table = _raw(45)
    parts = bronze_parts(table, cores=3)
    assert [p.num_rows for p in parts] == [15, 15, 15]
    assert pa.concat_tables(parts).equals(table)
    # Fewer rows than two parts' minimum: one part, whatever the cores.
    assert [p.num_rows for p in bronze_parts(_raw(19), cores=8)] == [19]
    assert [p.num_rows for p in bronze_parts(_raw(0), cores=2)] == [0]


def test_written_in_parts_and_read_back_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(bronze, "PART_MIN_ROWS", 100)
    monkeypatch.setattr(bronze.os, "cpu_count", lambda: 4)
    table = _raw(1_000)
    part = write_bronze(tmp_path, "fraud", "2026-11-20", table, "ab" * 32, "synthetic")
    files = sorted(Path(part.path).glob("*.parquet"))
    assert [f.name for f in files] == [f"part-{i:04d}.parquet" for i in range(4)]
    assert read_bronze(part).equals(table)
    assert part.rows == 1_000
    assert latest_bronze(tmp_path, "fraud", "2026-11-20") == part
    # Nothing but the partition and its manifest is left in the date's folder.
    assert sorted(p.name for p in Path(part.path).parent.iterdir()) == [
        f"{'ab' * 8}.json",
        f"{'ab' * 8}.parquet",
    ]


def test_empty_extract_keeps_its_schema(tmp_path):
    table = _raw(0)
    part = write_bronze(tmp_path, "fraud", "2026-11-20", table, "cd" * 32, "synthetic")
    back = read_bronze(part)
    assert back.num_rows == 0 and back.schema.names == table.schema.names


def test_same_checksum_is_written_once(tmp_path):
    first = write_bronze(tmp_path, "fraud", "2026-11-20", _raw(50), "ef" * 32, "a.csv")
    written_at = json.loads(Path(first.path).with_suffix(".json").read_text())["written_at"]
    # The same checksum again, even with other rows: the stored partition stands, untouched.
    again = write_bronze(tmp_path, "fraud", "2026-11-20", _raw(5), "ef" * 32, "a.csv")
    assert again == first
    assert read_bronze(again).num_rows == 50
    assert json.loads(Path(first.path).with_suffix(".json").read_text())["written_at"] == written_at


@pytest.mark.parametrize("leftover", ["folder", "file"])
def test_a_partition_without_manifest_is_rewritten(tmp_path, leftover):
    folder = bronze.partition_dir(tmp_path, "fraud", "bronze", "2026-11-20")
    folder.mkdir(parents=True)
    path = folder / f"{'01' * 8}.parquet"
    if leftover == "folder":  # a write that died after its rename, before its manifest
        path.mkdir()
        pq.write_table(_raw(3), path / "part-0000.parquet")
        pq.write_table(_raw(3), path / "part-0001.parquet")
    else:  # the single-file layout of older versions
        pq.write_table(_raw(3), path)
    part = write_bronze(tmp_path, "fraud", "2026-11-20", _raw(20), "01" * 32, "a.csv")
    assert read_bronze(part).equals(_raw(20))


def test_a_failed_write_leaves_no_partition(tmp_path, monkeypatch):
    def disk_full(*_args, **_kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(bronze.pq, "write_table", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_bronze(tmp_path, "fraud", "2026-11-20", _raw(10), "23" * 32, "a.csv")
    folder = bronze.partition_dir(tmp_path, "fraud", "bronze", "2026-11-20")
    assert list(folder.iterdir()) == []
    assert latest_bronze(tmp_path, "fraud", "2026-11-20") is None


def test_single_file_partitions_of_older_versions_are_read(tmp_path):
    path = tmp_path / "old.parquet"
    pq.write_table(_raw(12), path)
    assert read_bronze(BronzePartition(str(path), "2026-11-20", 12, "0" * 64, "a.csv")).equals(_raw(12))


def test_a_partition_folder_without_parts_is_an_error(tmp_path):
    (tmp_path / "x.parquet").mkdir()
    with pytest.raises(FileNotFoundError, match="no part files"):
        read_bronze(BronzePartition(str(tmp_path / "x.parquet"), "2026-11-20", 0, "0" * 64, "a.csv"))
