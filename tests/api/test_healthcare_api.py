"""The healthcare API over HTTP: risk, band and factors; any direct identifier is refused with a 422."""

from __future__ import annotations

from typing import Any

import pytest

from domains.healthcare.serving import EXAMPLE
from tests.api.conftest import auth


def test_predict_returns_calibrated_risk_band_lace_and_factors(healthcare_client: Any) -> None:
    r = healthcare_client.post("/predict", json=EXAMPLE, headers=auth())
    assert r.status_code == 200, r.text
    body = r.json()
    assert 0 <= body["readmission_risk"] <= 1 and body["risk_band"] in {"low", "medium", "high"}
    assert body["model_version"] == healthcare_client.get("/health").json()["model_version"]
    assert body["lace_score"] == 4 + 3 + 5 + 1  # LOS 6, emergency, comorbidity 5 (HF, renal, diabetes), 1 ED
    assert body["top_factors"] and all(f["contribution"] > 0 for f in body["top_factors"])


def test_more_prior_admissions_raise_the_risk(healthcare_client: Any) -> None:
    low = {**EXAMPLE, "number_inpatient": 0, "discharge_disposition_id": 1}
    high = {**EXAMPLE, "number_inpatient": 6}
    r = healthcare_client.post("/predict/batch", json={"records": [low, high]}, headers=auth())
    assert r.status_code == 200, r.text
    low_p, high_p = (p["readmission_risk"] for p in r.json()["predictions"])
    assert high_p > low_p


@pytest.mark.parametrize(
    "field",
    [
        "ssn",
        "patient_name",
        "mrn",
        "date_of_birth",
        "email",
        "phone",
        "address",
        "zip",
        "admission_date",
        "encounter_id",
        "patient_nbr",
        "first_name",
    ],
)
def test_a_request_carrying_an_identifier_is_refused(healthcare_client: Any, field: str) -> None:
    r = healthcare_client.post("/predict", json={**EXAMPLE, field: "123-45-6789"}, headers=auth())
    assert r.status_code == 422
    assert field in r.text and "identifier" in r.text
    assert "123-45-6789" not in r.text  # the refused value is not echoed back


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**EXAMPLE, "time_in_hospital": 0}, "time_in_hospital"),
        ({**EXAMPLE, "diag_1": "XYZ"}, "diag_1"),
        ({**EXAMPLE, "gender": "F"}, "gender"),
        ({**EXAMPLE, "age": "74"}, "age"),
    ],
)
def test_malformed_fields_are_named(healthcare_client: Any, body: dict, field: str) -> None:
    r = healthcare_client.post("/predict", json=body, headers=auth())
    assert r.status_code == 422 and field in r.text
