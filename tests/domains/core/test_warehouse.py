"""Warehouse behaviour on SQLite and on a real PostgreSQL: atomic, idempotent partition replacement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from domains.core.warehouse import TableDef, Warehouse, WarehouseError

FACTS = TableDef(
    "t_facts",
    {"ds": "date", "id": "int", "amount": "float", "label": "str", "at": "datetime", "flag": "bool"},
)
AUDIT = TableDef("t_audit", {"ds": "date", "what": "str"}, partition_key=None)


def _frame(ds: str, n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ds": ds,
            "id": np.arange(start, start + n),
            "amount": np.linspace(0, 1, n),
            "label": ["a", "", None, 'quote"d, text'] * (n // 4) + ["x"] * (n % 4),
            "at": pd.Timestamp("2026-11-20 10:11:12.123456"),
            "flag": [True, False] * (n // 2) + [True] * (n % 2),
        }
    )


@pytest.fixture(params=["sqlite", "postgres"])
def warehouse(request, tmp_path) -> Warehouse:
    if request.param == "sqlite":
        return Warehouse(f"sqlite:///{tmp_path / 'wh.db'}")
    return Warehouse(request.getfixturevalue("postgres_url"))


def test_replacing_a_partition_twice_never_duplicates(warehouse: Warehouse) -> None:
    warehouse.replace_partition("2026-11-20", {FACTS: _frame("2026-11-20", 1000)})
    warehouse.replace_partition("2026-11-21", {FACTS: _frame("2026-11-21", 10)})
    warehouse.replace_partition("2026-11-20", {FACTS: _frame("2026-11-20", 700)})
    assert warehouse.count(FACTS, "2026-11-20") == 700
    assert warehouse.count(FACTS, "2026-11-21") == 10


def test_values_round_trip_with_types_nulls_and_empty_strings(warehouse: Warehouse) -> None:
    frame = _frame("2026-11-20", 8)
    warehouse.replace_partition("2026-11-20", {FACTS: frame})
    back = warehouse.read_table(FACTS, where="ds = :ds", params={"ds": "2026-11-20"}).sort_values("id")
    assert back["id"].tolist() == list(range(8))
    assert back["ds"].tolist() == ["2026-11-20"] * 8
    assert np.allclose(back["amount"], frame["amount"])
    labels = back["label"].tolist()
    assert labels[0] == "a" and labels[1] == "" and pd.isna(labels[2]) and labels[3] == 'quote"d, text'
    assert (back["at"] == pd.Timestamp("2026-11-20 10:11:12.123456")).all()
    assert back["flag"].tolist() == [True, False] * 4


def test_a_failed_load_leaves_the_previous_partition_and_no_audit(warehouse: Warehouse) -> None:
    warehouse.replace_partition("2026-11-20", {FACTS: _frame("2026-11-20", 50)})
    audit_before = warehouse.count(AUDIT) if warehouse.has_table("t_audit") else 0
    bad = _frame("2026-11-20", 60).drop(columns=["amount"])
    with pytest.raises(WarehouseError, match="amount"):
        warehouse.replace_partition(
            "2026-11-20",
            {FACTS: _frame("2026-11-20", 60), TableDef("t_other", {"ds": "date", "amount": "float"}): bad},
            extra=[(AUDIT, pd.DataFrame({"ds": ["2026-11-20"], "what": ["load"]}))],
        )
    assert warehouse.count(FACTS, "2026-11-20") == 50
    assert warehouse.count(AUDIT) == audit_before


def test_a_database_error_mid_load_rolls_everything_back(warehouse: Warehouse) -> None:
    warehouse.replace_partition("2026-11-20", {FACTS: _frame("2026-11-20", 50)})
    broken = _frame("2026-11-20", 60).astype({"id": object})
    broken.loc[59, "id"] = "not-a-number"
    with pytest.raises(WarehouseError, match=r"rolled back|not-a-number|invalid"):
        warehouse.replace_partition("2026-11-20", {FACTS: broken})
    assert warehouse.count(FACTS, "2026-11-20") == 50


def test_reading_a_missing_table_gives_an_empty_typed_frame(warehouse: Warehouse) -> None:
    empty = warehouse.read_table(TableDef("t_absent", {"ds": "date", "n": "int"}))
    assert list(empty.columns) == ["ds", "n"] and empty.empty


@pytest.mark.postgres
def test_postgres_keeps_one_partition_per_date_and_a_default_for_appends(postgres_url: str) -> None:
    wh = Warehouse(postgres_url)
    wh.replace_partition("2026-11-20", {FACTS: _frame("2026-11-20", 40)})
    wh.replace_partition("2026-11-21", {FACTS: _frame("2026-11-21", 4)})
    wh.append(FACTS, _frame("2026-11-22", 3))  # no partition of its own: the default one takes it
    rows = wh.read_sql(
        "SELECT c.relname AS part, count(f.*) AS n FROM t_facts f "
        "JOIN pg_class c ON c.oid = f.tableoid GROUP BY c.relname ORDER BY c.relname"
    )
    assert dict(zip(rows["part"], rows["n"], strict=True)) == {
        "t_facts__20261120": 40,
        "t_facts__20261121": 4,
        "t_facts__default": 3,
    }
    # Replacing a date empties only its partition, and a failed replace restores it (TRUNCATE rolls back).
    with pytest.raises(WarehouseError):
        wh.replace_partition("2026-11-20", {FACTS: _frame("2026-11-20", 5).assign(id="not a number")})
    assert wh.count(FACTS, "2026-11-20") == 40 and wh.count(FACTS, "2026-11-21") == 4


@pytest.mark.postgres
def test_postgres_tables_from_before_partitioning_still_replace(postgres_url: str) -> None:
    wh = Warehouse(postgres_url)
    with wh.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE t_facts "
            '(ds DATE, id BIGINT, amount DOUBLE PRECISION, label TEXT, "at" TIMESTAMP, flag BOOLEAN)'
        )
    wh.replace_partition("2026-11-20", {FACTS: _frame("2026-11-20", 12)})
    wh.replace_partition("2026-11-20", {FACTS: _frame("2026-11-20", 6)})
    assert wh.count(FACTS, "2026-11-20") == 6


def test_in_clause_with_ten_or_more_values_reads_back_on_postgres(postgres_url) -> None:
    from domains.core.warehouse import TableDef, Warehouse, in_clause

    table = TableDef("t_in_clause", {"ds": "date", "k": "str"})
    wh = Warehouse(postgres_url)
    wh.replace_partition(
        "2026-11-20", {table: pd.DataFrame({"ds": "2026-11-20", "k": [f"k{i}" for i in range(15)]})}
    )
    wanted = [f"k{i}" for i in (1, 10, 11, 14)]  # ":v1" must not rewrite the start of ":v10"
    clause, params = in_clause("k", wanted)
    got = wh.read_table(table, ["k"], where=f"ds = :ds AND {clause}", params={"ds": "2026-11-20", **params})
    assert sorted(got["k"]) == sorted(wanted)


# ------------------------------------------------------------------ staged partitions (PostgreSQL)
INDEXED = TableDef(
    "t_staged", {"ds": "date", "id": "int", "amount": "float", "label": "str"}, indexes=(("id",),)
)


def _rows(ds: str, n: int, start: int = 0) -> pd.DataFrame:
    return _frame(ds, n, start)[list(INDEXED.columns)]


def _stage_and_load(wh: Warehouse, ds: str, n: int) -> None:
    wh.replace_partition(ds, {INDEXED: wh.stage(INDEXED, ds, _rows(ds, n))})


def _leaves(wh: Warehouse, ds: str) -> dict[str, int]:
    part = f"t_staged__{ds.replace('-', '')}"
    rows = wh.read_sql(
        "SELECT c.relname AS leaf, c.reltuples::bigint AS n FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:p)",
        {"p": f'"{part}"'},
    )
    return dict(zip(rows["leaf"], rows["n"], strict=True))


def _stray_tables(wh: Warehouse) -> list[str]:
    rows = wh.read_sql(
        "SELECT c.relname FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid "
        "WHERE c.relkind = 'r' AND c.relname LIKE 't_staged%' AND i.inhrelid IS NULL"
    )
    return rows["relname"].tolist()


@pytest.mark.postgres
def test_a_staged_partition_is_invisible_until_attached_then_replaces_the_date(postgres_url: str) -> None:
    from domains.core.warehouse import Staged

    wh = Warehouse(postgres_url)
    _stage_and_load(wh, "2026-11-20", 30)
    staged = wh.stage(INDEXED, "2026-11-20", _rows("2026-11-20", 500, start=1000))
    assert isinstance(staged, Staged) and staged.num_rows == 500
    assert wh.count(INDEXED, "2026-11-20") == 30  # readers still see the old rows
    assert wh.staged(staged.table, 500) == staged and wh.staged("t_staged__nothing", 500) is None

    wh.replace_partition("2026-11-20", {INDEXED: staged})
    assert wh.count(INDEXED, "2026-11-20") == 500
    assert wh.read_table(INDEXED, ["id"], where="ds = :d", params={"d": "2026-11-20"})["id"].min() == 1000
    assert wh.staged(staged.table, 500) is None  # attached: it cannot be attached twice
    # The date's partition holds exactly the staged leaf, with the table's index adopted.
    assert list(_leaves(wh, "2026-11-20")) == [staged.table]
    indexed = wh.scalar("SELECT count(*) FROM pg_indexes WHERE tablename = :t", {"t": staged.table})
    assert indexed == 1
    assert _stray_tables(wh) == []


@pytest.mark.postgres
def test_replacing_a_staged_date_again_swaps_leaves_and_a_failure_keeps_the_old_one(
    postgres_url: str,
) -> None:
    wh = Warehouse(postgres_url)
    _stage_and_load(wh, "2026-11-20", 40)
    # A plain frame on a date that holds staged leaves goes in as a new leaf, in the same transaction.
    wh.replace_partition("2026-11-20", {INDEXED: _rows("2026-11-20", 7)})
    assert wh.count(INDEXED, "2026-11-20") == 7 and len(_leaves(wh, "2026-11-20")) == 1
    before = _leaves(wh, "2026-11-20")
    with pytest.raises(WarehouseError):
        wh.replace_partition("2026-11-20", {INDEXED: _rows("2026-11-20", 9).assign(id="not a number")})
    assert wh.count(INDEXED, "2026-11-20") == 7 and _leaves(wh, "2026-11-20") == before
    assert _stray_tables(wh) == []


@pytest.mark.postgres
def test_staged_tables_left_by_failed_runs_are_dropped_and_legacy_partitions_still_load(
    postgres_url: str,
) -> None:
    wh = Warehouse(postgres_url)
    orphan = wh.stage(INDEXED, "2026-11-20", _rows("2026-11-20", 5))  # its run died before load
    discarded = wh.stage(INDEXED, "2026-11-20", _rows("2026-11-20", 6))
    wh.discard(discarded)
    assert _stray_tables(wh) == [orphan.table]
    _stage_and_load(wh, "2026-11-20", 8)
    assert wh.count(INDEXED, "2026-11-20") == 8 and _stray_tables(wh) == []

    # A date partition made before staging (a plain table): the staged rows are copied into it.
    wh.replace_partition("2026-11-21", {INDEXED: _rows("2026-11-21", 3)})
    _stage_and_load(wh, "2026-11-21", 11)
    assert wh.count(INDEXED, "2026-11-21") == 11 and _stray_tables(wh) == []


def test_sqlite_does_not_stage(tmp_path) -> None:
    wh = Warehouse(f"sqlite:///{tmp_path / 'wh.db'}")
    assert wh.stage(INDEXED, "2026-11-20", _rows("2026-11-20", 4)) is None


OPS = TableDef("t_ops", {"ds": "date", "k": "str", "detail": "json", "n": "int"}, partition_key=None)


def test_replace_rows_swaps_a_reruns_records_and_a_failure_keeps_the_old_ones(warehouse: Warehouse) -> None:
    first = pd.DataFrame({"ds": "2026-11-20", "k": ["a", "b"], "detail": [{"x": 1}, None], "n": [1, 2]})
    warehouse.append(OPS, first)  # small: an INSERT on the pooled connection, dicts as JSON text
    warehouse.replace_rows(OPS, "k = :k", {"k": "a"}, first.iloc[:1].assign(n=10))
    back = warehouse.read_table(OPS).sort_values("k")
    assert back["n"].tolist() == [10, 2] and back["detail"].iloc[0] == '{"x": 1}'
    with pytest.raises(WarehouseError):
        warehouse.replace_rows(OPS, "k = :k", {"k": "a"}, first.iloc[:1].assign(n="ten"))
    assert warehouse.read_table(OPS).sort_values("k")["n"].tolist() == [10, 2]


@pytest.mark.postgres
def test_staging_works_for_names_near_postgres_identifier_limit(postgres_url: str) -> None:
    long = TableDef("t_" + "x" * 48, {"ds": "date", "id": "int"})  # 50 characters
    wh = Warehouse(postgres_url)
    for ds, n in (("2026-11-20", 3), ("2026-11-21", 4), ("2026-11-20", 5)):
        frame = pd.DataFrame({"ds": ds, "id": range(n)})
        staged = wh.stage(long, ds, frame)
        assert len(staged.table) <= 63
        wh.replace_partition(ds, {long: staged})
    assert wh.count(long, "2026-11-20") == 5 and wh.count(long, "2026-11-21") == 4


@pytest.mark.postgres
def test_constant_columns_are_staged_as_defaults_and_leave_none_behind(postgres_url: str) -> None:
    from domains.core import pg_bulk

    wh = Warehouse(postgres_url)
    rows = _rows("2026-11-20", 40).assign(label="batch-7f3a")
    data = pg_bulk.to_arrow(rows, INDEXED)
    stream = pg_bulk.stream(data, ["ds", "label", "amount"])
    # amount varies, so it is streamed whatever the caller claims.
    assert stream.constants == {"ds": pd.Timestamp("2026-11-20").date(), "label": "batch-7f3a"}
    assert "amount" in stream.columns and "label" not in stream.columns
    stream.fill(data)  # encoded ahead here; the transform encodes while another thread sends
    staged = wh.stage(INDEXED, "2026-11-20", stream)
    wh.replace_partition("2026-11-20", {INDEXED: staged})
    back = wh.read_table(INDEXED, where="ds = :d", params={"d": "2026-11-20"}).sort_values("id")
    assert len(back) == 40 and set(back["label"]) == {"batch-7f3a"}
    assert back["amount"].tolist() == pytest.approx(rows["amount"].tolist())
    defaults = wh.scalar(
        "SELECT count(*) FROM pg_attrdef WHERE adrelid = to_regclass(:t)", {"t": f'"{staged.table}"'}
    )
    assert defaults == 0

    # A null in a named column keeps it in the stream (a default would fill the null in).
    with_null = _rows("2026-11-21", 4).assign(label=["x", "x", None, "x"])
    assert pg_bulk.stream(pg_bulk.to_arrow(with_null, INDEXED), ["label"]).constants == {}
