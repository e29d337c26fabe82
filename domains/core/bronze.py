"""Immutable bronze storage: the raw source as compressed Parquet, addressed by date and checksum."""

from __future__ import annotations

import hashlib
import json
import os
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

    `layer` keeps a domain's second raw input (e.g. restaurant's businesses file) apart from the first.
    """
    ds = ds.isoformat() if isinstance(ds, date) else ds
    folder = partition_dir(data_dir, domain, layer, ds)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{checksum[:16]}.parquet"
    manifest = folder / f"{checksum[:16]}.json"
    if not (path.exists() and manifest.exists()):
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)  # atomic: readers never see half a file
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


def read_bronze(partition: BronzePartition) -> pa.Table:
    return pq.read_table(partition.path)
