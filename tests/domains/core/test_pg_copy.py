"""Our binary COPY encoder: byte layout by hand, and on PostgreSQL the same rows as the ADBC driver's."""

from __future__ import annotations

import struct
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime

import numpy as np
import psycopg
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domains.core import pg_bulk, pg_copy
from domains.core.warehouse import TableDef, Warehouse


def _field(payload: bytes | None) -> bytes:
    return struct.pack(">i", -1) if payload is None else struct.pack(">i", len(payload)) + payload


def test_a_batch_encodes_to_the_documented_tuple_layout() -> None:
    batch = pa.record_batch(
        {
            "n": pa.array([7, None], pa.int64()),
            "x": pa.array([1.5, -0.0], pa.float64()),
            "ok": pa.array([True, None], pa.bool_()),
            "d": pa.array([date(2000, 1, 2), date(1999, 12, 31)], pa.date32()),
            "t": pa.array([datetime(2000, 1, 1, 0, 0, 1), None], pa.timestamp("us")),
            "s": pa.array(["é", None], pa.string()),
            "e": pa.array(["", "z"], pa.string()),
        }
    )
    columns = pg_copy.copy_columns(batch.schema)
    assert columns == ["n", "x", "ok", "d", "t", "s", "e"]  # fixed-width first, then text
    rows = [
        [struct.pack(">q", 7), struct.pack(">d", 1.5), b"\x01", struct.pack(">i", 1),
         struct.pack(">q", 1_000_000), "é".encode(), b""],
        [None, struct.pack(">d", -0.0), None, struct.pack(">i", -1), None, None, b"z"],
    ]  # fmt: skip
    expected = b"".join(struct.pack(">h", 7) + b"".join(_field(v) for v in row) for row in rows)
    assert pg_copy.encode_batch(batch, columns).to_pybytes() == expected
    # A slice (what to_batches hands out) encodes only its own rows.
    second = struct.pack(">h", 7) + b"".join(_field(v) for v in rows[1])
    assert pg_copy.encode_batch(batch.slice(1), columns).to_pybytes() == second


def test_types_without_an_encoding_are_refused() -> None:
    batch = pa.record_batch({"t": pa.array([datetime(2026, 1, 1)], pa.timestamp("us", tz="UTC"))})
    with pytest.raises(TypeError, match="timestamp"):
        pg_copy.encode_batch(batch, ["t"])


def test_wide_rows_are_split_so_no_batch_nears_the_offset_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_copy, "_MAX_BATCH_BYTES", 10_000)
    table = pa.table({"s": pa.array(["x" * 1000] * 95)})
    parts = list(pg_copy.batches(table, max_rows=40))
    assert sum(p.num_rows for p in parts) == 95
    assert all(p.nbytes <= 12_000 for p in parts)
    assert pa.Table.from_batches(parts).equals(table)


KINDS = {"i": "int", "f": "float", "b": "bool", "d": "date", "t": "datetime", "s": "str", "j": "json"}
_VALUES = {
    "int": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(allow_nan=True, allow_infinity=True),
    "bool": st.booleans(),
    "date": st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    "datetime": st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    "str": st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40),
    "json": st.dictionaries(st.text(max_size=5), st.integers(), max_size=3).map(
        lambda d: str(d).replace("'", '"')
    ),
}
_ARROW = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "date": pa.date32(),
          "datetime": pa.timestamp("us"), "str": pa.string(), "json": pa.string()}  # fmt: skip


@st.composite
def _tables(draw: st.DrawFn) -> pa.Table:
    n = draw(st.integers(1, 60))
    columns = {}
    for name, kind in KINDS.items():
        values = draw(st.lists(st.one_of(st.none(), _VALUES[kind]), min_size=n, max_size=n))
        columns[name] = pa.array(values, _ARROW[kind])
    return pa.table(columns)


@pytest.mark.postgres
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=_tables(), batch_rows=st.sampled_from([1, 3, 16_384]))
def test_postgres_stores_what_the_adbc_driver_would(
    postgres_url: str, table: pa.Table, batch_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches give each batch its own null pattern, so every piece-building path is taken.
    import adbc_driver_postgresql.dbapi as adbc

    monkeypatch.setattr(pg_bulk, "COPY_BATCH_ROWS", batch_rows)
    ours, theirs = (TableDef(f"t_{uuid.uuid4().hex[:10]}", KINDS, partition_key=None) for _ in range(2))
    wh = Warehouse(postgres_url)
    wh.ensure(ours, theirs)
    with pg_bulk.connect(wh.engine) as conn:
        with conn.cursor() as cur:
            assert pg_bulk.ingest(cur, ours, table) == table.num_rows
        conn.commit()
    with adbc.connect(pg_bulk.adbc_uri(wh.engine)) as conn:
        with conn.cursor() as cur:
            cur.adbc_ingest(theirs.name, table.select(list(KINDS)), mode="append")
        conn.commit()
    with pg_bulk.connect(wh.engine) as conn:
        # PostgreSQL compares NaN equal to NaN, so EXCEPT ALL matches them too.
        diff = conn.execute(
            f'(SELECT * FROM "{ours.name}" EXCEPT ALL SELECT * FROM "{theirs.name}") UNION ALL '
            f'(SELECT * FROM "{theirs.name}" EXCEPT ALL SELECT * FROM "{ours.name}")'
        ).fetchall()
        stored = conn.execute(f'SELECT count(*) FROM "{ours.name}"').fetchone()[0]
    assert diff == [] and stored == table.num_rows
    back = wh.read_table(ours)
    assert int(back["i"].isna().sum()) == table.column("i").null_count


@pytest.mark.postgres
def test_a_value_the_server_refuses_fails_the_copy_and_keeps_nothing(postgres_url: str) -> None:
    table = TableDef("t_refused", {"s": "str", "n": "int"}, partition_key=None)
    wh = Warehouse(postgres_url)
    wh.ensure(table)
    good = pa.table({"s": ["a"] * 40_000, "n": np.arange(40_000)})
    bad = pa.concat_tables([good, pa.table({"s": ["nul\x00byte"], "n": [1]})])  # text cannot hold NUL
    with pytest.raises(psycopg.DataError, match="0x00"), pg_bulk.connect(wh.engine) as conn:
        with conn.cursor() as cur:
            pg_bulk.ingest(cur, table, bad)
        conn.commit()
    assert wh.count(table) == 0


def _send_in_background(wh: Warehouse, table: TableDef, stream: pg_copy.Stream) -> Future[int]:
    def send() -> int:
        with pg_bulk.connect(wh.engine) as conn:
            with conn.cursor() as cur:
                rows = pg_bulk.ingest(cur, table, stream)
            conn.commit()
        return rows

    return ThreadPoolExecutor(max_workers=1).submit(send)


@pytest.mark.postgres
def test_a_stream_is_sent_by_one_thread_while_another_encodes_it(postgres_url: str) -> None:
    table = TableDef("t_streamed", {"n": "int", "s": "str"}, partition_key=None)
    wh = Warehouse(postgres_url)
    wh.ensure(table)
    rows = pa.table({"n": np.arange(50_000), "s": [f"row {i}" for i in range(50_000)]})
    data = pg_bulk.to_arrow(rows, table)
    stream = pg_copy.Stream(data.schema, max_rows=4_096)  # 13 chunks
    sent = _send_in_background(wh, table, stream)
    stream.fill(data)
    assert sent.result(timeout=60) == 50_000
    back = wh.read_table(table).sort_values("n")
    assert back["n"].tolist() == list(range(50_000)) and back["s"].iloc[-1] == "row 49999"


@pytest.mark.postgres
def test_a_stream_that_fails_to_encode_aborts_the_copy_it_feeds(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = TableDef("t_aborted", {"n": "int"}, partition_key=None)
    wh = Warehouse(postgres_url)
    wh.ensure(table)
    real, calls = pg_copy.encode_batch, []

    def third_chunk_fails(batch: pa.RecordBatch, columns: list[str]) -> pa.Buffer:
        calls.append(batch.num_rows)
        if len(calls) == 3:  # two chunks have reached the server by now
            raise MemoryError("injected")
        return real(batch, columns)

    monkeypatch.setattr(pg_copy, "encode_batch", third_chunk_fails)
    data = pa.table({"n": np.arange(100)})
    stream = pg_copy.Stream(data.schema, max_rows=10)
    sent = _send_in_background(wh, table, stream)
    with pytest.raises(MemoryError, match="injected"):
        stream.fill(data)
    with pytest.raises(RuntimeError, match="encoding the COPY stream failed"):
        sent.result(timeout=60)
    assert wh.count(table) == 0 and len(calls) == 3
