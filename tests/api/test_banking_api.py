"""The banking API over HTTP: probability of default, and the data endpoints with masking for readers
without the admin scope, pagination, filters and errors naming the bad field."""

from __future__ import annotations

from typing import Any

import pytest

from domains.banking.schema import ACCOUNTS, ALERTS, CUSTOMERS
from domains.banking.serving import EXAMPLE
from domains.core.pipeline import make_context
from tests.api.conftest import auth
from tests.conftest import TRAIN_DAYS


def test_predict_returns_probability_band_and_reasons(banking_client: Any) -> None:
    r = banking_client.post("/predict", json=EXAMPLE, headers=auth("predict"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert 0 < body["probability_of_default"] < 1 and body["risk_band"] in {"low", "medium", "high"}
    assert (
        body["top_factors"] and body["model_version"] == banking_client.get("/health").json()["model_version"]
    )
    batch = banking_client.post("/predict/batch", json={"records": [EXAMPLE] * 3}, headers=auth("predict"))
    assert batch.status_code == 200 and batch.json()["count"] == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**EXAMPLE, "term": "48 months"}, "term"),
        ({**EXAMPLE, "annual_income": -5}, "annual_income"),
        ({**EXAMPLE, "loan_amount": 90_000}, "loan_amount"),
        ({**EXAMPLE, "full_name": "Ann Lee"}, "full_name"),
    ],
)
def test_malformed_applications_are_422_naming_the_field(banking_client: Any, body: dict, field: str) -> None:
    r = banking_client.post("/predict", json=body, headers=auth("predict"))
    assert r.status_code == 422 and field in {f["field"] for f in r.json()["error"]["fields"]}


def _a_customer() -> tuple[dict[str, Any], dict[str, Any]]:
    wh = make_context("banking", TRAIN_DAYS[1]).warehouse
    accounts = wh.read_table(ACCOUNTS, ["customer_id", "account_number", "iban"])
    customers = wh.read_table(CUSTOMERS).set_index("customer_id")
    busiest = accounts["customer_id"].value_counts().index
    cid = next(c for c in busiest if c in customers.index and isinstance(customers.loc[c, "email"], str))
    return {"customer_id": cid, **customers.loc[cid].to_dict()}, accounts[
        accounts["customer_id"] == cid
    ].iloc[0].to_dict()


def test_customer_is_masked_for_predict_tokens_and_clear_for_admins(banking_client: Any) -> None:
    person, account = _a_customer()
    plain = banking_client.get(f"/customers/{person['customer_id']}", headers=auth("predict"))
    assert plain.status_code == 200, plain.text
    body = plain.json()
    assert body["masked"] is True
    for value in (
        person["full_name"],
        person["email"],
        person["phone"],
        person["date_of_birth"],
        account["iban"],
    ):
        assert value not in plain.text
    assert body["email"].endswith(person["email"].split("@")[1]) and body["phone"].endswith(
        person["phone"][-4:]
    )
    admin = banking_client.get(f"/customers/{person['customer_id']}", headers=auth("admin"))
    assert admin.status_code == 200 and admin.json()["masked"] is False
    assert admin.json()["email"] == person["email"]
    assert account["iban"] in {a["iban"] for a in admin.json()["accounts"]}


def test_transactions_are_paginated_newest_first(banking_client: Any) -> None:
    person, _ = _a_customer()
    url = f"/customers/{person['customer_id']}/transactions"
    first = banking_client.get(url, params={"page_size": 2}, headers=auth("predict")).json()
    assert first["total"] >= 3 and len(first["transactions"]) == 2
    second = banking_client.get(url, params={"page_size": 2, "page": 2}, headers=auth("predict")).json()
    ids = [t["transaction_id"] for t in first["transactions"] + second["transactions"]]
    assert len(set(ids)) == len(ids)
    stamps = [t["ts"] for t in first["transactions"] + second["transactions"]]
    assert stamps == sorted(stamps, reverse=True)
    assert all(t["counterparty_iban"] is None or "*" in t["counterparty_iban"] for t in first["transactions"])


def test_aml_alerts_filter_by_date_and_severity(banking_client: Any) -> None:
    day = TRAIN_DAYS[1]
    wh = make_context("banking", day).warehouse
    expected = wh.read_table(ALERTS, ["severity"], where="ds = :d", params={"d": day})
    r = banking_client.get(
        "/aml/alerts",
        params={"date_from": day, "date_to": day, "severity": "high", "page_size": 500},
        headers=auth(),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == (expected["severity"] == "high").sum() > 0
    assert {a["severity"] for a in body["alerts"]} == {"high"} and {a["ds"] for a in body["alerts"]} == {day}
    assert isinstance(body["alerts"][0]["evidence"], dict)
    everything = banking_client.get("/aml/alerts", params={"page_size": 1}, headers=auth()).json()
    assert everything["total"] >= len(expected) and len(everything["alerts"]) == 1


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/aml/alerts", {"severity": "urgent"}, "severity"),
        ("/aml/alerts", {"date_from": "2026-13-01"}, "date_from"),
        ("/aml/alerts", {"date_from": "2026-11-20", "date_to": "2026-11-01"}, "date_from"),
        ("/aml/alerts", {"page_size": 501}, "page_size"),
        ("/customers/C0000001/transactions", {"page": 0}, "page"),
        ("/customers/C0000001;DROP/transactions", {}, "customer_id"),
    ],
)
def test_bad_queries_are_422_naming_the_field(
    banking_client: Any, url: str, params: dict, field: str
) -> None:
    r = banking_client.get(url, params=params, headers=auth("predict"))
    assert r.status_code == 422, r.text
    assert field in {f["field"] for f in r.json()["error"]["fields"]}


def test_unknown_customer_is_404_and_auth_is_enforced(banking_client: Any) -> None:
    assert banking_client.get("/customers/C9999999", headers=auth("predict")).status_code == 404
    assert banking_client.get("/customers/C9999999/transactions", headers=auth("predict")).status_code == 404
    assert banking_client.get("/aml/alerts").status_code == 401
    assert banking_client.get("/aml/alerts", headers=auth("reporting")).status_code == 403
