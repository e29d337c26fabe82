"""E-commerce transform rules: cancellations matched to orders, guests kept, bad lines quarantined."""

from __future__ import annotations

import numpy as np
import pandas as pd

from domains.core.quality import split_rows
from domains.ecommerce.etl import build_silver, customer_daily, parse_and_check, unmatched_cancellations
from domains.ecommerce.schema import RAW_COLUMNS
from domains.ecommerce.source import generate_day

DS = "2026-11-20"


def line(
    invoice: str, code: str, qty: str, price: str = "2.55", customer: str | None = "13085.0", **kw: str
) -> dict:
    base = {
        "Invoice": invoice,
        "StockCode": code,
        "Description": "WHITE MUG",
        "Quantity": qty,
        "InvoiceDate": f"{DS} 10:00:00",
        "Price": price,
        "Customer ID": customer,
        "Country": "United Kingdom",
    }
    return {**base, **kw}


CASES = [
    (line("1000001", "85123A", "6"), None),
    (line("1000002", "22423", "2", customer=None), None),  # a guest order: kept, flagged
    (line("C1000001", "85123A", "-4", InvoiceDate=f"{DS} 11:00:00"), None),  # returns 4 of the 6
    (
        line("C1000003", "85123A", "-3", InvoiceDate=f"{DS} 12:00:00"),
        "unmatched_cancellation",
    ),  # 7 > 6 bought
    (line("C1000004", "99999", "-1"), "unmatched_cancellation"),  # never bought
    (line("C1000005", "22423", "-1", customer=None), "unmatched_cancellation"),  # a guest cannot be matched
    (line("1000006", "22423", "-2"), "quantity_sign_mismatch"),
    (line("1000007", "22423", "0"), "invalid_quantity"),
    (line("1000008", "22423", "1.5"), "invalid_quantity"),
    (line("1000009", "22423", "1", price="0"), "non_positive_price"),
    (line("1000010", "22423", "1", price="-11062.06"), "non_positive_price"),
    (line("1000011", "22423", "1", price="abc"), "invalid_price"),
    (line("A563185", "B", "1"), "malformed_invoice"),
    (line("1000012", "22423", "1", customer="unknown"), "malformed_customer_id"),
    (line("1000013", "22423", "1", InvoiceDate="2026-11-19 23:00:00"), "date_outside_partition"),
    (line("1000014", None, "1"), "missing_required_field"),
    (line("1000001", "85123A", "6"), "duplicate_line"),
]


def _split(earlier: pd.DataFrame | None = None):
    raw = pd.DataFrame([c for c, _ in CASES], columns=list(RAW_COLUMNS))
    typed, failures = parse_and_check(raw, DS)
    ok = ~np.logical_or.reduce(list(failures.values()))
    earlier = (
        earlier if earlier is not None else pd.DataFrame(columns=["customer_id", "stock_code", "quantity"])
    )
    failures["unmatched_cancellation"] = unmatched_cancellations(typed, ok, earlier)
    return raw, typed, split_rows(len(raw), failures)


def test_each_line_gets_its_rule_and_cancellations_match_what_was_bought() -> None:
    _, _, split = _split()
    assert split.rule.tolist() == [rule for _, rule in CASES]


def test_a_purchase_from_an_earlier_day_makes_a_return_matchable() -> None:
    earlier = pd.DataFrame({"customer_id": ["13085"], "stock_code": ["99999"], "quantity": [1]})
    _, _, split = _split(earlier)
    assert split.rule.iloc[4] is None


def test_net_revenue_subtracts_returns_and_guests_stay_out_of_customer_rows() -> None:
    _, typed, split = _split()
    silver = build_silver(typed, split.valid, DS, "x")
    assert silver["is_guest"].tolist() == [False, True, False]
    assert silver["line_amount"].tolist() == [15.3, 5.1, -10.2]
    per_customer = customer_daily(silver, DS).set_index("customer_id")
    assert list(per_customer.index) == ["13085"]  # "13085.0" in the export
    row = per_customer.loc["13085"]
    assert (row["orders"], row["revenue_gross"], row["returns"]) == (1, 15.3, 10.2)
    assert round(row["revenue_net"], 2) == 5.1


def test_synthetic_days_are_deterministic_and_mostly_clean() -> None:
    a = generate_day("2026-03-02").table
    assert a.equals(generate_day("2026-03-02").table)
    raw = a.to_pandas()
    _, failures = parse_and_check(raw, "2026-03-02")
    ok = ~np.logical_or.reduce(list(failures.values()))
    assert 0.97 < ok.mean() < 0.995  # ~1% planted dirt (plus what it breaks downstream)
    assert raw["Customer ID"].isna().mean() > 0.03  # guest orders exist
    assert raw["Invoice"].str.startswith("C").any()
