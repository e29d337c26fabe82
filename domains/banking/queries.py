"""Reads behind the banking API's data endpoints: one customer with their accounts, their transactions
page by page, and AML alerts by date and severity. Plain SQL with bound parameters, both backends."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from domains.banking.schema import ACCOUNTS, ALERTS, CUSTOMERS, TRANSACTIONS
from domains.core.warehouse import Warehouse

CUSTOMER_FIELDS = ("customer_id", "full_name", "date_of_birth", "address", "postcode", "email", "phone",
                   "created_on", "erased_at")  # fmt: skip
ACCOUNT_FIELDS = ("account_id", "sort_code", "account_number", "iban", "product", "opened_on", "balance")
TRANSACTION_FIELDS = ("transaction_id", "account_id", "ts", "amount", "currency", "amount_gbp", "direction",
                      "channel", "counterparty_sort_code", "counterparty_iban", "counterparty_country",
                      "merchant_category", "description", "aml_rules")  # fmt: skip
ALERT_FIELDS = ("alert_id", "ds", "account_id", "customer_id", "rule", "severity", "alert_ts", "amount_gbp",
                "transactions", "evidence")  # fmt: skip


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: timestamps as ISO text, NaN as None."""
    frame = frame.copy()
    for column in ("ts", "alert_ts", "erased_at"):  # SQLite returns text, PostgreSQL timestamps
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column])
    out = frame.astype(object).where(frame.notna(), None)
    for column in out.columns:
        out[column] = [v.isoformat() if isinstance(v, pd.Timestamp) else v for v in out[column]]
    return out.to_dict("records")


def _fields(names: tuple[str, ...]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def customer(wh: Warehouse, customer_id: str) -> dict[str, Any] | None:
    """The customer's latest record and their accounts' latest records; None if unknown."""
    if not wh.has_table(CUSTOMERS.name):
        return None
    found = wh.read_sql(
        f'SELECT {_fields(CUSTOMER_FIELDS)}, ds FROM "{CUSTOMERS.name}" WHERE customer_id = :c',
        {"c": customer_id},
    )
    if found.empty:
        return None
    latest = found.sort_values("ds").iloc[[-1]].drop(columns="ds")
    accounts = wh.read_sql(
        f'SELECT {_fields(ACCOUNT_FIELDS)}, ds FROM "{ACCOUNTS.name}" WHERE customer_id = :c',
        {"c": customer_id},
    )
    accounts = accounts.sort_values("ds").drop_duplicates("account_id", keep="last").drop(columns="ds")
    return {**_records(latest)[0], "accounts": _records(accounts.sort_values("account_id"))}


def transactions(
    wh: Warehouse, customer_id: str, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the customer's transactions, newest first, and how many there are in all."""
    if not wh.has_table(TRANSACTIONS.name):
        return [], 0
    params = {"c": customer_id, "n": page_size, "o": (page - 1) * page_size}
    total = int(wh.scalar(f'SELECT COUNT(*) FROM "{TRANSACTIONS.name}" WHERE customer_id = :c', params))
    rows = wh.read_sql(
        f'SELECT {_fields(TRANSACTION_FIELDS)} FROM "{TRANSACTIONS.name}" WHERE customer_id = :c '
        "ORDER BY ts DESC, transaction_id LIMIT :n OFFSET :o",
        params,
    )
    return _records(rows), total


def alerts(
    wh: Warehouse,
    date_from: date | None,
    date_to: date | None,
    severity: str | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """AML alerts in a date range (inclusive) and of one severity, most severe and newest first."""
    if not wh.has_table(ALERTS.name):
        return [], 0
    where, params = ["1 = 1"], {"n": page_size, "o": (page - 1) * page_size}
    if date_from:
        where.append("ds >= :lo")
        params["lo"] = date_from.isoformat()
    if date_to:
        where.append("ds <= :hi")
        params["hi"] = date_to.isoformat()
    if severity:
        where.append("severity = :s")
        params["s"] = severity
    clause = " AND ".join(where)
    total = int(wh.scalar(f'SELECT COUNT(*) FROM "{ALERTS.name}" WHERE {clause}', params))
    rank = "CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END"
    rows = wh.read_sql(
        f'SELECT {_fields(ALERT_FIELDS)} FROM "{ALERTS.name}" WHERE {clause} '
        f"ORDER BY ds DESC, {rank}, alert_ts, alert_id LIMIT :n OFFSET :o",
        params,
    )
    rows["ds"] = rows["ds"].astype(str).str.slice(0, 10)
    return _records(rows), total
