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
