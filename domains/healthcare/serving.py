"""Healthcare's serving contract: de-identified encounter features in, readmission risk out; a request
carrying any direct identifier is refused before it is read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from domains.core.risk_serving import RiskFactor, RiskService
from domains.healthcare.features import ICD, feature_frame
from domains.healthcare.schema import IDENTIFIER_COLUMNS
from domains.healthcare.spec import SPEC

# Every identifier the raw extract carries, plus the usual spellings a client might use for them.
IDENTIFIER_FIELDS: frozenset[str] = frozenset(
    {
        *IDENTIFIER_COLUMNS,
        "name",
        "first_name",
        "last_name",
        "dob",
        "birth_date",
        "street",
        "city",
        "zip_code",
        "postcode",
        "telephone",
        "fax",
        "medical_record_number",
        "health_plan_id",
        "account_number",
        "license_number",
        "device_id",
        "ip_address",
        "url",
    }
)

EXAMPLE: dict[str, Any] = {
    "age": 74,
    "gender": "Female",
    "admission_type_id": 1,
    "discharge_disposition_id": 3,
    "admission_source_id": 7,
    "time_in_hospital": 6,
    "num_lab_procedures": 58,
    "num_procedures": 1,
    "num_medications": 19,
    "number_outpatient": 0,
    "number_emergency": 1,
    "number_inpatient": 2,
    "diag_1": "428",
    "diag_2": "585",
    "diag_3": "250.6",
    "number_diagnoses": 9,
    "max_glu_serum": "None",
    "a1c_result": ">8",
    "insulin": "Up",
    "meds_up": 1,
    "meds_down": 0,
    "change": "Ch",
    "diabetes_med": "Yes",
}


class Encounter(BaseModel):
    """One de-identified inpatient encounter at discharge (the dataset's clinical columns)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE]})

    age: int = Field(ge=0, le=120, description="Age in years; anything over 89 is treated as 90")
    gender: Literal["Female", "Male", "Unknown/Invalid"]
    admission_type_id: int = Field(ge=1, le=30, description="1 emergency, 2 urgent, 3 elective, 7 trauma...")
    discharge_disposition_id: int = Field(
        ge=1, le=30, description="1 home, 3 SNF, 6 home health, 22 rehab..."
    )
    admission_source_id: int = Field(ge=1, le=30, description="7 emergency room, 1 physician referral...")
    time_in_hospital: int = Field(ge=1, le=14, description="Days in hospital")
    num_lab_procedures: int = Field(ge=0, le=200)
    num_procedures: int = Field(ge=0, le=20)
    num_medications: int = Field(ge=0, le=100)
    number_outpatient: int = Field(ge=0, le=100, description="Outpatient visits in the year before")
    number_emergency: int = Field(ge=0, le=100, description="Emergency visits in the year before")
    number_inpatient: int = Field(ge=0, le=100, description="Inpatient stays in the year before")
    diag_1: str = Field(
        pattern=ICD, description="Primary diagnosis, ICD-9 (428, 250.83, V57) or ICD-10 (I50.9)"
    )
    diag_2: str | None = Field(default=None, pattern=ICD)
    diag_3: str | None = Field(default=None, pattern=ICD)
    number_diagnoses: int = Field(ge=1, le=20)
    max_glu_serum: Literal["None", "Norm", ">200", ">300"] = "None"
    a1c_result: Literal["None", "Norm", ">7", ">8"] = "None"
    insulin: Literal["No", "Steady", "Up", "Down"] = "No"
    meds_up: int = Field(default=0, ge=0, le=23, description="Diabetes medications dosed up")
    meds_down: int = Field(default=0, ge=0, le=23, description="Diabetes medications dosed down")
    change: Literal["Ch", "No"] = Field(default="No", description="Any diabetes medication changed")
    diabetes_med: Literal["Yes", "No"] = "Yes"

    @model_validator(mode="before")
    @classmethod
    def _refuse_identifiers(cls, data: Any) -> Any:
        if isinstance(data, dict):
            found = sorted(k for k in data if str(k).lower() in IDENTIFIER_FIELDS)
            if found:
                raise ValueError(
                    f"direct identifier field(s) refused: {', '.join(found)}; send de-identified "
                    "encounter features only (this API never accepts PHI)"
                )
        return data


class ReadmissionPrediction(BaseModel):
    readmission_risk: float = Field(description="Calibrated probability of readmission within 30 days")
    risk_band: Literal["low", "medium", "high"]
    high_risk: bool = Field(description="risk >= the threshold chosen on validation data")
    threshold: float
    lace_score: int = Field(description="The LACE index (0-19), the baseline clinicians know")
    model_version: str
    top_factors: list[RiskFactor]


def records_frame(records: Sequence[Encounter]) -> pd.DataFrame:
    """Requests as the typed columns feature_frame reads (ages capped at 90 as in silver)."""
    frame = pd.DataFrame([r.model_dump() for r in records])
    frame["age"] = np.minimum(frame["age"].astype(float), 90.0)
    return frame


class HealthcareService(RiskService):
    """Scores readmission risk with the champion and names the factors that raised it."""

    spec: ClassVar = SPEC
    record_model: ClassVar = Encounter
    prediction_model: ClassVar = ReadmissionPrediction
    example: ClassVar = EXAMPLE
    risk_field: ClassVar = "readmission_risk"
    flag_field: ClassVar = "high_risk"

    def features(self, records: Sequence[BaseModel]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        features = feature_frame(records_frame(records))  # type: ignore[arg-type]
        return features, [{"lace_score": int(v)} for v in features["lace_score"].tolist()]


SERVICE = HealthcareService()


def silver_to_requests(silver: pd.DataFrame) -> list[dict[str, Any]]:
    """Silver rows as API requests (what a client would send), for monitoring the live response path."""
    return [
        {
            **{
                k: r[k]
                for k in EXAMPLE
                if k in r and k not in ("age", "change", "diabetes_med", "diag_2", "diag_3")
            },
            "age": int(r["age"]),
            "diag_2": r["diag_2"] if isinstance(r["diag_2"], str) else None,
            "diag_3": r["diag_3"] if isinstance(r["diag_3"], str) else None,
            "change": "Ch" if r["med_change"] else "No",
            "diabetes_med": "Yes" if r["diabetes_med"] else "No",
        }
        for r in silver.to_dict("records")
    ]
