"""Banking's serving contract: a loan application in, probability of default, band, decision threshold
and the factors behind the score out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from domains.banking.features import loan_features
from domains.banking.schema import EMPLOYMENT_LENGTHS, HOME_OWNERSHIP, PURPOSES, TERMS
from domains.banking.spec import SPEC
from domains.core.risk_serving import RiskFactor, RiskService

EXAMPLE: dict[str, Any] = {
    "annual_income": 38000,
    "employment_length": "2 years",
    "home_ownership": "RENT",
    "loan_amount": 15000,
    "purpose": "debt_consolidation",
    "term": "60 months",
    "dti": 31.5,
    "delinq_2yrs": 1,
    "credit_history_years": 4.5,
    "revol_util": 88.0,
}


class LoanApplication(BaseModel):
    """One application as the Lending-Club-like raw schema describes it (no name, no identifiers)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    annual_income: float = Field(gt=0, le=10_000_000, description="Gross annual income, GBP")
    employment_length: Literal[EMPLOYMENT_LENGTHS]  # type: ignore[valid-type]
    home_ownership: Literal[HOME_OWNERSHIP]  # type: ignore[valid-type]
    loan_amount: float = Field(ge=500, le=40_000, description="GBP")
    purpose: Literal[PURPOSES]  # type: ignore[valid-type]
    term: Literal[TERMS]  # type: ignore[valid-type]
    dti: float = Field(ge=0, le=100, description="Debt-to-income ratio, percent")
    delinq_2yrs: int = Field(default=0, ge=0, le=50, description="Delinquencies in the last two years")
    credit_history_years: float | None = Field(default=None, ge=0, le=80)
    revol_util: float | None = Field(default=None, ge=0, le=200, description="Revolving utilisation, percent")


class DefaultPrediction(BaseModel):
    probability_of_default: float = Field(description="Calibrated probability that the loan defaults")
    risk_band: Literal["low", "medium", "high"]
    likely_default: bool = Field(description="probability >= the threshold chosen on validation data")
    threshold: float
    model_version: str
    top_factors: list[RiskFactor]


class BankingService(RiskService):
    """Scores loan applications with the credit-risk champion."""

    spec: ClassVar = SPEC
    record_model: ClassVar = LoanApplication
    prediction_model: ClassVar = DefaultPrediction
    example: ClassVar = EXAMPLE
    risk_field: ClassVar = "probability_of_default"
    flag_field: ClassVar = "likely_default"

    def features(self, records: Sequence[BaseModel]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        frame = pd.DataFrame([r.model_dump() for r in records])
        return loan_features(frame), [{} for _ in records]


SERVICE = BankingService()
