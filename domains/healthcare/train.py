"""Trains the 30-day readmission challenger (calibrated XGBoost) against the LACE index."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl
from domains.core.pipeline import StageContext
from domains.core.risk_training import Baseline, RiskProblem, train_risk_model
from domains.healthcare.schema import FEATURES, SILVER

# More earlier inpatient stays never make a readmission less likely: keeps reasons clinically sane.
MONOTONE = {"number_inpatient": 1, "number_emergency": 1}
GROUPS = ("gender", "age_band")


def fit_lace(train: pd.DataFrame, y: np.ndarray) -> Any:
    """LACE turned into a probability: a one-feature logistic fit of the score on the training rows."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000).fit(train[["lace_score"]].to_numpy(dtype=float), y)


def score_lace(model: Any, frame: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(frame[["lace_score"]].to_numpy(dtype=float))[:, 1]


LACE = Baseline("lace_index", fit_lace, score_lace)


def training_rows(ctx: StageContext) -> pd.DataFrame:
    """At-risk encounters in the window (patients who died or went to hospice cannot be readmitted)."""
    days = ctx.source.train_window_days
    data = etl.window(
        ctx, SILVER, days, ["ds", "patient_key", "readmitted_30d", "at_risk", *GROUPS, *FEATURES]
    )
    return data.loc[data["at_risk"] == 1].drop(columns="at_risk")


def train(ctx: StageContext) -> dict[str, Any]:
    """Fit on the window, split by patient, calibrate on validation, register the challenger."""
    data = training_rows(ctx)
    if len(data) < 500:
        raise ValueError(
            f"healthcare train: {len(data)} at-risk encounters in the "
            f"{ctx.source.train_window_days}-day window ending {ctx.ds}; need at least 500. "
            "Load more days or widen HEALTHCARE_TRAIN_WINDOW_DAYS."
        )
    problem = RiskProblem(
        data=data,
        target="readmitted_30d",
        person_key="patient_key",
        features=FEATURES,
        baseline=LACE,
        monotone=MONOTONE,
        group_columns=GROUPS,
    )
    return train_risk_model(ctx, problem)
