"""HR's serving contract: an employee's (anonymised) features and optional comment in, attrition risk,
the comment's sentiment and the factors behind the risk out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, create_model

from domains.core import text
from domains.core.risk_serving import RiskFactor, RiskService
from domains.hr.features import comment_sentiment, feature_frame
from domains.hr.schema import CATEGORIES, INT_RANGES, snake
from domains.hr.spec import SPEC

MAX_COMMENT_CHARS = 5_000

EXAMPLE: dict[str, Any] = {
    "age": 29,
    "business_travel": "Travel_Frequently",
    "daily_rate": 650,
    "department": "Sales",
    "distance_from_home": 18,
    "education": 3,
    "education_field": "Marketing",
    "environment_satisfaction": 2,
    "gender": "Female",
    "hourly_rate": 61,
    "job_involvement": 3,
    "job_level": 1,
    "job_role": "Sales Representative",
    "job_satisfaction": 1,
    "marital_status": "Single",
    "monthly_income": 2600,
    "monthly_rate": 14000,
    "num_companies_worked": 4,
    "over_time": "Yes",
    "percent_salary_hike": 12,
    "performance_rating": 3,
    "relationship_satisfaction": 2,
    "stock_option_level": 0,
    "total_working_years": 5,
    "training_times_last_year": 2,
    "work_life_balance": 2,
    "years_at_company": 1,
    "years_in_current_role": 0,
    "years_since_last_promotion": 0,
    "years_with_curr_manager": 0,
    "comment": "Too much overtime and I don't feel appreciated here.",
}

# One field per dataset column, typed and bounded as transform validates them.
_FIELDS: dict[str, Any] = {
    **{snake(c): (int, Field(ge=lo, le=hi)) for c, (lo, hi) in INT_RANGES.items()},
    **{snake(c): (Literal[values], ...) for c, values in CATEGORIES.items() if c != "Attrition"},  # type: ignore[valid-type]
    "comment": (
        str | None,
        Field(default=None, max_length=MAX_COMMENT_CHARS, description="Optional free-text survey comment"),
    ),
}
Employee = create_model(  # type: ignore[call-overload]
    "Employee",
    __config__=ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE]}),
    __doc__="One employee as the HRIS describes them, without name, e-mail or employee number.",
    **_FIELDS,
)


class Sentiment(BaseModel):
    compound: float = Field(description="VADER compound score, -1 (negative) to 1 (positive)")
    label: Literal["negative", "neutral", "positive"]
    redactions: int = Field(description="Names, e-mails or numbers removed from the comment before scoring")


class AttritionPrediction(BaseModel):
    attrition_risk: float = Field(description="Calibrated probability that the employee leaves")
    risk_band: Literal["low", "medium", "high"]
    at_risk: bool = Field(description="risk >= the threshold chosen on validation data")
    threshold: float
    comment_sentiment: Sentiment | None
    model_version: str
    top_factors: list[RiskFactor]


class HRService(RiskService):
    """Scores attrition risk with the champion, with the comment's sentiment as one of its inputs."""

    spec: ClassVar = SPEC
    record_model: ClassVar = Employee
    prediction_model: ClassVar = AttritionPrediction
    example: ClassVar = EXAMPLE
    risk_field: ClassVar = "attrition_risk"
    flag_field: ClassVar = "at_risk"

    def features(self, records: Sequence[BaseModel]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        frame = pd.DataFrame([r.model_dump() for r in records])
        # No roster at the API: contact details and numbers are redacted, names cannot be known.
        _, redactions, compound = comment_sentiment(frame["comment"])
        frame["comment_sentiment"] = compound
        extras = [
            {
                "comment_sentiment": None
                if c != c  # NaN: no comment
                else {"compound": round(c, 4), "label": text.vader_label(c), "redactions": int(n)}
            }
            for c, n in zip(compound.tolist(), redactions.tolist(), strict=True)
        ]
        return feature_frame(frame), extras


SERVICE = HRService()


def silver_to_requests(silver: pd.DataFrame) -> list[dict[str, Any]]:
    """Silver rows as API requests, for monitoring the live response path."""
    fields = [f for f in _FIELDS if f != "comment"]
    return [
        {**{f: r[f] for f in fields}, "comment": r["comment"] if isinstance(r["comment"], str) else None}
        for r in silver.to_dict("records")
    ]
