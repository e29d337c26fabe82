"""Compliance: GDPR erasure leaves no trace of the customer's personal data in the warehouse, bronze or
hand-off files while aggregates stay true; the retention purge; column classification and masking."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from domains.banking import compliance
from domains.banking.masking import mask_row
from domains.banking.schema import (
    CUSTOMERS,
    GOLD_DAILY,
    QUARANTINE,
    RESTRICTED,
    SILVER,
    TRANSACTIONS,
    WAREHOUSE_TABLES,
    catalogue,
    classify,
)
from domains.core import etl, ops
from domains.core.pipeline import make_context, run_pipeline

DAY = "2026-11-19"


@pytest.fixture
def small_bank(isolated_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("BANKING_ROWS_PER_DAY", "3000")
    monkeypatch.setenv("BANKING_CUSTOMERS", "3000")
    return run_pipeline("banking", DAY, stages=("extract", "transform", "load"))


def _customer_with_quarantined_account(wh) -> tuple[str, dict]:
    """A clean customer one of whose accounts was quarantined (so their data is in both places)."""
    q = wh.read_table(QUARANTINE, ["rule", "record"], where="rule LIKE 'accounts.%'")
    customers = wh.read_table(CUSTOMERS)
    known = customers.set_index("customer_id")
    for record in q["record"]:
        cid = json.loads(record).get("customer_id")
        if cid in known.index and known.loc[cid, "email"]:
            return cid, known.loc[cid].to_dict()
    raise AssertionError("no clean customer with a quarantined account in the sample")


def _everything(wh) -> dict[str, pd.DataFrame]:
    with wh.engine.connect() as conn:
        return {
            t: pd.DataFrame(conn.execute(sa.text(f'SELECT * FROM "{t}"')).mappings().all()).astype(str)
            for t in sa.inspect(wh.engine).get_table_names()
        }


def test_erasure_leaves_no_trace_and_keeps_aggregates(small_bank: dict, isolated_env: dict) -> None:
    ctx = make_context("banking", DAY)
    wh = ctx.warehouse
    cid, person = _customer_with_quarantined_account(wh)
    accounts = wh.read_table(SILVER["accounts"], where="customer_id = :c", params={"c": cid})
    unique = [person["email"], person["phone"], *accounts["account_number"], *accounts["iban"]]
    gold_before = wh.read_table(GOLD_DAILY)
    counts_before = {t.name: wh.count(t) for t in WAREHOUSE_TABLES}

    assert etl._loaded_handoff(ctx, ctx.day, "silver") is not None  # the load vouched for its files

    result = compliance.erase(ctx, cid, reason="DSR-2026-0042", requested_by="dpo@society.example")
    assert result["customer_rows"] >= 1 and result["quarantine_rows"] >= 1 and result["files"] >= 1
    # Erased cells now differ between the files (emptied) and the warehouse (pseudonymised): the next
    # day's transform must read this day's transactions from the warehouse.
    assert result["loaded_markers_withdrawn"] == 1
    assert etl._loaded_handoff(ctx, ctx.day, "silver") is None

    # Nothing unique to the person anywhere in the warehouse; their own rows hold no personal field.
    for table, frame in _everything(wh).items():
        for value in unique:
            assert not frame.apply(lambda col, v=value: col.str.contains(v, regex=False)).to_numpy().any(), (
                table,
                value,
            )
    row = wh.read_table(CUSTOMERS, where="customer_id = :c", params={"c": cid}).iloc[0]
    assert all(pd.isna(row[c]) for c in compliance.CUSTOMER_PII) and pd.notna(row["erased_at"])
    for record in wh.read_table(QUARANTINE, ["record"])["record"]:
        if cid in record:
            data = json.loads(record)
            assert data["erased"] is True
            assert not {person["full_name"], person["postcode"], person["date_of_birth"]} & set(
                map(str, data.values())
            )
    # Nor in the raw files: bronze and transform's hand-off.
    for path in Path(isolated_env["DATA_DIR"]).rglob("*.parquet"):
        text = pq.read_table(path).to_pandas().astype(str)
        for value in unique:
            assert not text.apply(lambda col, v=value: col.str.contains(v, regex=False)).to_numpy().any(), (
                path,
                value,
            )
    # Every row is still there, and the gold aggregates are unchanged.
    assert {t.name: wh.count(t) for t in WAREHOUSE_TABLES} == counts_before
    pd.testing.assert_frame_equal(wh.read_table(GOLD_DAILY), gold_before)
    audit = wh.read_table(ops.AUDIT, where="action = 'erasure'")
    [details] = [json.loads(d) for d in audit["details"]]
    assert details["customer_id"] == cid and details["reason"] == "DSR-2026-0042"
    assert person["email"] not in audit.to_json()


def test_erasing_an_unknown_customer_fails_clearly(small_bank: dict, capsys) -> None:
    with pytest.raises(compliance.ErasureError, match="C9999999"):
        compliance.erase(make_context("banking", DAY), "C9999999", "x", "y")
    assert compliance.main(["erase", "C9999999", "--reason", "x", "--requested-by", "y"]) == 2
    assert "no customer" in capsys.readouterr().err


def test_purge_applies_retention_per_table_with_an_audit_row(small_bank: dict) -> None:
    later = make_context("banking", "2034-01-01")  # seven years and a bit after the load
    assert etl._loaded_handoff(make_context("banking", DAY), date(2026, 11, 19), "silver") is not None
    purged = compliance.purge(later, {"transactions": 7, "quarantine": 2, "gold": 10})
    wh = later.warehouse
    # No hand-off file may stand in for the purged rows.
    assert etl._loaded_handoff(make_context("banking", DAY), date(2026, 11, 19), "silver") is None
    assert purged[TRANSACTIONS.name] > 0 and purged[QUARANTINE.name] > 0
    assert wh.count(TRANSACTIONS) == 0 and wh.count(QUARANTINE) == 0
    assert wh.count(GOLD_DAILY) == 1 and wh.count(CUSTOMERS) > 0  # within retention / master data
    [audit] = wh.read_table(ops.AUDIT, where="action = 'purge' AND ds = '2034-01-01'").to_dict("records")
    assert json.loads(audit["details"])["cutoffs"]["transactions"] == "2027-01-01"


def test_every_column_is_classified_and_personal_data_is_restricted() -> None:
    rows = catalogue()
    assert {r["classification"] for r in rows} == {"public", "internal", "confidential", "restricted"}
    assert len(rows) == sum(len(t.columns) for t in WAREHOUSE_TABLES)
    for column in (
        "full_name",
        "date_of_birth",
        "address",
        "postcode",
        "email",
        "phone",
        "iban",
        "account_number",
    ):
        assert classify(column) == RESTRICTED
    assert classify("amount_gbp") == "confidential" and classify("currency") == "public"
    assert classify("account_id") == "internal"


def test_masking_keeps_only_recognisable_fragments() -> None:
    masked = mask_row(
        {
            "customer_id": "C0000005",
            "full_name": "James Sanchez",
            "email": "james.sanchez4@example.co.uk",
            "phone": "07331231964",
            "postcode": "EC1V 6TP",
            "date_of_birth": "1955-01-07",
            "iban": "GB83BUKB60953149390609",
            "account_number": "49390609",
            "balance": 10.5,
        }
    )
    assert masked == {
        "customer_id": "C0000005",
        "full_name": "J*** S***",
        "email": "j***@example.co.uk",
        "phone": "*******1964",
        "postcode": "EC1V ***",
        "date_of_birth": "***",
        "iban": "GB83**************0609",
        "account_number": "****0609",
        "balance": 10.5,
    }
