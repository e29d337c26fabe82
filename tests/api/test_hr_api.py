"""The HR API over HTTP: attrition risk with the comment's sentiment; PII in comments is redacted."""

from __future__ import annotations

from typing import Any

import pytest

from domains.hr.serving import EXAMPLE
from tests.api.conftest import auth


def test_predict_returns_risk_sentiment_and_factors(hr_client: Any) -> None:
    r = hr_client.post("/predict", json=EXAMPLE, headers=auth())
    assert r.status_code == 200, r.text
    body = r.json()
    assert 0 <= body["attrition_risk"] <= 1 and body["risk_band"] in {"low", "medium", "high"}
    assert body["comment_sentiment"]["label"] == "negative" and body["comment_sentiment"]["compound"] < 0
    assert body["model_version"] == hr_client.get("/health").json()["model_version"]
    assert body["top_factors"]


def test_comment_is_optional_and_contact_details_are_redacted(hr_client: Any) -> None:
    no_comment = {k: v for k, v in EXAMPLE.items() if k != "comment"}
    with_pii = {**EXAMPLE, "comment": "Great team! Call me on (415) 555-0199 or mail ann.lee@acme-corp.com"}
    r = hr_client.post("/predict/batch", json={"records": [no_comment, with_pii]}, headers=auth())
    assert r.status_code == 200, r.text
    first, second = r.json()["predictions"]
    assert first["comment_sentiment"] is None
    assert second["comment_sentiment"]["redactions"] == 2
    assert "555-0199" not in r.text and "ann.lee" not in r.text


def test_overtime_raises_the_risk(hr_client: Any) -> None:
    calm = {**EXAMPLE, "over_time": "No"}
    r = hr_client.post("/predict/batch", json={"records": [calm, EXAMPLE]}, headers=auth())
    calm_p, ot_p = (p["attrition_risk"] for p in r.json()["predictions"])
    assert ot_p >= calm_p


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**EXAMPLE, "age": 15}, "age"),
        ({**EXAMPLE, "department": "Marketing"}, "department"),
        ({**EXAMPLE, "employee_name": "Ann Lee"}, "employee_name"),
        ({**EXAMPLE, "monthly_income": "2600"}, "monthly_income"),
    ],
)
def test_malformed_fields_are_named(hr_client: Any, body: dict, field: str) -> None:
    r = hr_client.post("/predict", json=body, headers=auth())
    assert r.status_code == 422 and field in r.text
