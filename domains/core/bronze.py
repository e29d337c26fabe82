"""Immutable bronze storage: the raw source as compressed Parquet, addressed by date and checksum."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


@dataclass(frozen=True)
class BronzePartition:
    """One immutable raw extract: where it is, what it held, and the checksum of its source."""

    path: str
    ds: str
    rows: int
    checksum: str
    source: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def checksum_file(path: Path, chunk: int = 8 << 20) -> str:
    """sha256 of a source file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def checksum_table(table: pa.Table) -> str:
    """sha256 of a table's Arrow IPC stream: stable for the same content and schema."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def partition_dir(data_dir: Path, domain: str, layer: str, ds: date | str) -> Path:
    ds = ds.isoformat() if isinstance(ds, date) else ds
    return Path(data_dir) / domain / layer / f"ds={ds}"


# pyarrow encodes one Parquet file on one core (0.45 s for fraud's 500k raw rows): a bigger extract is
# written as one file per core at once, each of at least this many rows (0.24 s on 2 cores).
PART_MIN_ROWS = 100_000


def bronze_parts(table: pa.Table, cores: int | None = None) -> list[pa.Table]:
    """The table in consecutive slices, one per core, none under `PART_MIN_ROWS` (always at least one)."""
    n = max(1, min(cores or os.cpu_count() or 1, table.num_rows // PART_MIN_ROWS))
    step = max(1, -(-table.num_rows // n))
    return [table.slice(start, step) for start in range(0, table.num_rows, step)] or [table]


def _part_name(i: int) -> str:
    return f"part-{i:04d}.parquet"  # zero-padded: name order is row order


def write_bronze(
    data_dir: Path,
    domain: str,
    ds: date | str,
    table: pa.Table,
    checksum: str,
    source: str,
    layer: str = "bronze",
) -> BronzePartition:
    """Write once: an existing partition with the same checksum is reused, never rewritten.

    The partition is a folder `<checksum>.parquet` of zstd Parquet files whose rows, in name order, are
    the extract's (see `bronze_parts`), beside a JSON manifest. `layer` keeps a domain's second raw
    input (e.g. restaurant's businesses file) apart from the first.
    """
    ds = ds.isoformat() if isinstance(ds, date) else ds
    folder = partition_dir(data_dir, domain, layer, ds)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{checksum[:16]}.parquet"
    manifest = folder / f"{checksum[:16]}.json"
    if not (path.exists() and manifest.exists()):
        _write_parts(table, path)
        meta = {
            "ds": ds,
            "rows": table.num_rows,
            "checksum": checksum,
            "source": source,
            "columns": table.schema.names,
            "written_at": datetime.now(UTC).isoformat(),
        }
        manifest.write_text(json.dumps(meta, indent=2))
    meta = json.loads(manifest.read_text())
    return BronzePartition(str(path), ds, int(meta["rows"]), checksum, meta["source"])


def _write_parts(table: pa.Table, path: Path) -> None:
    """The table's parts into a new folder, renamed to `path` only when all are written: readers
    never see half a partition. A folder left at `path` by a write that died before its manifest
    (or a single file, the layout before parts) is replaced."""
    tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        parts = bronze_parts(table)
        # Bronze is read whole, never filtered: column statistics would cost 14% of the write for no reader.
        with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="bronze") as pool:
            written = [
                pool.submit(
                    pq.write_table, part, tmp / _part_name(i), compression="zstd", write_statistics=False
                )
                for i, part in enumerate(parts)
            ]
            for future in written:
                future.result()
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def latest_bronze(
    data_dir: Path, domain: str, ds: date | str, layer: str = "bronze"
) -> BronzePartition | None:
    """The most recently written extract for a date (for stages run on their own from the CLI)."""
    folder = partition_dir(data_dir, domain, layer, ds)
    manifests = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    if not manifests:
        return None
    meta = json.loads(manifests[-1].read_text())
    path = manifests[-1].with_suffix(".parquet")
    return BronzePartition(str(path), meta["ds"], int(meta["rows"]), meta["checksum"], meta["source"])


def data_files(path: Path | str) -> list[Path]:
    """A partition's Parquet files in row order: its parts, or the file itself (the layout before parts)."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    files = sorted(path.glob("part-*.parquet"))
    if not files:
        raise FileNotFoundError(f"bronze partition {path} holds no part files")
    return files


def read_bronze(partition: BronzePartition) -> pa.Table:
    """The extract's rows in their order."""
    files = data_files(partition.path)
    return pq.read_table(files[0]) if len(files) == 1 else pa.concat_tables(pq.read_table(f) for f in files)
