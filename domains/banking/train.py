"""Trains the credit-risk challenger (calibrated XGBoost probability of default) against logistic
regression on the same applications, split by customer so no applicant is in both train and test."""

from __future__ import annotations

from typing import Any

import pandas as pd

from domains.banking.schema import FEATURES, LOANS
from domains.core import etl
from domains.core.pipeline import StageContext
from domains.core.risk_training import RiskProblem, logistic_baseline, train_risk_model

GROUPS = ("home_ownership", "term")
# More past delinquencies, or a larger loan for the same income, never lowers the risk: reasons a
# credit officer can defend (and a constraint the regulator's model-risk review expects).
MONOTONE = {"delinq_2yrs": 1, "loan_to_income": 1}
MIN_APPLICATIONS = 2000


LOGISTIC = logistic_baseline(FEATURES)


def training_rows(ctx: StageContext) -> pd.DataFrame:
    """Matured applications in the training window; an applicant without a customer id is their own key."""
    data = etl.window(
        ctx,
        LOANS,
        ctx.source.train_window_days,
        ["ds", "application_id", "customer_id", "default", *GROUPS, *FEATURES],
    )
    data["person"] = data["customer_id"].where(
        data["customer_id"].notna() & (data["customer_id"] != ""), data["application_id"]
    )
    return data


def train(ctx: StageContext) -> dict[str, Any]:
    """Fit on the window's applications, calibrate on validation, register the challenger."""
    data = training_rows(ctx)
    if len(data) < MIN_APPLICATIONS:
        raise ValueError(
            f"banking train: {len(data)} loan applications in the {ctx.source.train_window_days}-day window "
            f"ending {ctx.ds}; need at least {MIN_APPLICATIONS}. Load more days first or widen "
            "BANKING_TRAIN_WINDOW_DAYS."
        )
    problem = RiskProblem(
        data=data,
        target="default",
        person_key="person",
        features=FEATURES,
        baseline=LOGISTIC,
        monotone=MONOTONE,
        group_columns=GROUPS,
    )
    return train_risk_model(ctx, problem)
