"""Reading a domain's raw export (CSV, CSV.gz or Parquet) as text columns, keeping unparseable lines.

Every domain's extract reads user files the same way: all values as text (typing is transform's job,
so a bad value is quarantined, not a crash), lines with the wrong number of fields kept in `_raw`.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from domains.core.bronze import checksum_file
from domains.core.errors import PermanentError

# Bronze keeps every raw value as text, plus `_raw` for lines the CSV parser could not split.
RAW_LINE_COLUMN = "_raw"


class SourceError(PermanentError, ValueError):
    """The source cannot be read as the documented raw schema; nothing was written."""


@dataclass(frozen=True)
class RawExtract:
    """The day's raw rows as text columns, and the checksum of what they were read from."""

    table: pa.Table
    checksum: str
    source: str


def read_file_source(path_template: str, ds: str, columns: Sequence[str], variable: str) -> RawExtract:
    """Read a CSV or Parquet export with at least `columns`; `{ds}` in the path selects a per-day file.

    `variable` names the setting the path came from (e.g. FRAUD_SOURCE), so errors say what to fix.
    """
    path = Path(path_template.replace("{ds}", ds)).expanduser()
    if not path.exists():
        raise SourceError(f"{variable} file {path} does not exist")
    suffix = path.suffix.lower()
    is_csv = suffix in {".csv", ".gz"} or path.name.lower().endswith(".csv.gz")
    if not (is_csv or suffix in {".parquet", ".pq"}):
        raise SourceError(f"{variable} must be a .csv, .csv.gz or .parquet file, got {path.name}")
    # Hashing the file (0.14 s per 120 MB) releases the GIL: it runs beside the parse, not after it.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="checksum") as pool:
        checksum = pool.submit(checksum_file, path)
        if is_csv:
            table = _read_csv(path)
        else:
            table = pq.read_table(path)
            table = pa.table({name: pc.cast(table[name], pa.string()) for name in table.column_names})
            table = table.append_column(RAW_LINE_COLUMN, pa.nulls(table.num_rows, pa.string()))
        missing = [c for c in columns if c not in table.column_names]
        if missing:
            raise SourceError(
                f"{path} lacks required columns {missing}; expected the raw schema: {', '.join(columns)}"
            )
        return RawExtract(table, checksum.result(), str(path))


def _read_csv(path: Path) -> pa.Table:
    bad_lines: list[str] = []

    def keep_bad_line(row: pacsv.InvalidRow) -> str:
        # A line with the wrong number of fields is kept, not dropped: it goes to quarantine.
        bad_lines.append(row.text)
        return "skip"

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8", errors="replace") as fh:
        names = next(csv.reader(fh), [])
    if not names:
        raise SourceError(f"{path} is empty: expected a header row with the raw columns")
    table = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(invalid_row_handler=keep_bad_line),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    table = table.append_column(RAW_LINE_COLUMN, pa.nulls(table.num_rows, pa.string()))
    if bad_lines:
        filler = {
            n: pa.nulls(len(bad_lines), pa.string()) for n in table.column_names if n != RAW_LINE_COLUMN
        }
        extra = pa.table({**filler, RAW_LINE_COLUMN: pa.array(bad_lines, pa.string())})
        table = pa.concat_tables([table, extra.select(table.column_names)])
    return table
