"""Masks restricted personal data for readers without the `admin` scope: enough left to recognise a
record on the phone (last digits, initials), not enough to use it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domains.banking.schema import RESTRICTED, classify


def _tail(value: str, keep: int) -> str:
    return "*" * max(len(value) - keep, 0) + value[-keep:] if value else value


def mask_value(column: str, value: Any) -> Any:
    """One restricted value masked by its kind; other columns (and missing values) unchanged."""
    if value is None or classify(column) != RESTRICTED:
        return value
    text = str(value)
    if column == "full_name":
        return " ".join(w[:1] + "***" for w in text.split())
    if column == "email":
        user, _, domain = text.partition("@")
        return f"{user[:1]}***@{domain}" if domain else "***"
    if column == "postcode":
        return text.split()[0] + " ***" if " " in text else "***"
    if column in ("phone", "account_number"):
        return _tail(text, 4)
    if column in ("iban", "counterparty_iban"):
        return text[:4] + "*" * max(len(text) - 8, 0) + text[-4:]
    if column == "counterparty_sort_code":
        return "**-**-" + text[-2:]
    return "***"  # address, date of birth, raw records


def mask_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: mask_value(k, v) for k, v in row.items()}
