"""The e-commerce API over HTTP: by customer id from the warehouse, by explicit history, and 422s."""

from __future__ import annotations

from typing import Any

import pytest

from domains.core.pipeline import make_context
from domains.ecommerce.schema import GOLD_RFM
from tests.api.conftest import auth

DAY = "2026-11-19"


def _known(segment: str) -> dict[str, Any]:
    rows = make_context("ecommerce", DAY).warehouse.read_table(GOLD_RFM, where="ds = :ds", params={"ds": DAY})
    return rows[rows["segment"] == segment].iloc[0].to_dict()


def test_known_customer_gets_the_pipelines_segment_and_a_spend(ecommerce_client: Any) -> None:
    known = _known("champions")
    r = ecommerce_client.post("/predict", json={"customer_id": known["customer_id"]}, headers=auth())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["found"] is True and body["segment"] == "champions" and body["as_of"] == DAY
    assert [body[k] for k in ("r_score", "f_score", "m_score")] == [
        known["r_score"],
        known["f_score"],
        known["m_score"],
    ]
    assert body["predicted_spend"] >= 0 and body["horizon_days"] == 7 and body["top_factors"]


def test_unknown_customer_is_reported_not_failed(ecommerce_client: Any) -> None:
    r = ecommerce_client.post("/predict", json={"customer_id": "999999999"}, headers=auth())
    assert r.status_code == 200 and r.json()["found"] is False and r.json()["predicted_spend"] is None


def test_more_history_predicts_more_spend(ecommerce_client: Any) -> None:
    light = {"recency_days": 200, "frequency": 1, "monetary": 20.0, "tenure_days": 200}
    heavy = {
        "recency_days": 2,
        "frequency": 40,
        "monetary": 20_000.0,
        "tenure_days": 300,
        "orders_30d": 4,
        "revenue_30d": 2000.0,
        "orders_90d": 10,
        "revenue_90d": 5000.0,
    }
    r = ecommerce_client.post(
        "/predict/batch", json={"records": [{"history": light}, {"history": heavy}]}, headers=auth()
    )
    assert r.status_code == 200, r.text
    low, high = r.json()["predictions"]
    assert high["predicted_spend"] > low["predicted_spend"]
    assert high["segment"] == "champions" and low["segment"] == "hibernating"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, ""),
        (
            {
                "customer_id": "12346",
                "history": {"recency_days": 1, "frequency": 1, "monetary": 1.0, "tenure_days": 1},
            },
            "",
        ),
        ({"customer_id": "abc"}, "customer_id"),
        ({"customer_id": 12346}, "customer_id"),
        (
            {"history": {"recency_days": -1, "frequency": 1, "monetary": 1.0, "tenure_days": 1}},
            "history.recency_days",
        ),
        ({"history": {"recency_days": 9, "frequency": 1, "monetary": 1.0, "tenure_days": 2}}, "history"),
        (
            {"history": {"recency_days": 1, "frequency": 0, "monetary": 1.0, "tenure_days": 2}},
            "history.frequency",
        ),
    ],
    ids=[
        "empty",
        "both",
        "non-numeric-id",
        "int-id",
        "negative-recency",
        "recency-after-tenure",
        "zero-frequency",
    ],
)
def test_bad_requests_are_422_naming_the_field(ecommerce_client: Any, body: dict, field: str) -> None:
    r = ecommerce_client.post("/predict", json=body, headers=auth())
    assert r.status_code == 422, r.text
    fields = [f["field"] for f in r.json()["error"]["fields"]]
    assert any(f.startswith(field) for f in fields), fields
