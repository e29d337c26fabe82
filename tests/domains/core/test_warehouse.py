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
