"""Trains the attrition challenger (calibrated XGBoost) against logistic regression on the same features."""

from __future__ import annotations

from typing import Any

import pandas as pd

from domains.core import etl
from domains.core.pipeline import StageContext
from domains.core.risk_training import RiskProblem, logistic_baseline, train_risk_model
from domains.hr.schema import FEATURES, SILVER

GROUPS = ("gender", "age_band", "department")
# Working overtime, or writing a more negative comment, never makes leaving less likely: keeps the
# reasons believable to HR partners (unconstrained, the sparse sentiment signal flipped sign by chance).
MONOTONE = {"over_time_yes": 1, "comment_sentiment": -1}


LOGISTIC = logistic_baseline(FEATURES)


def training_rows(ctx: StageContext) -> pd.DataFrame:
    """Each employee's latest snapshot in the window (weekly snapshots repeat the same people)."""
    data = etl.window(
        ctx, SILVER, ctx.source.train_window_days, ["ds", "employee_key", "attrition", *GROUPS, *FEATURES]
    )
    return data.sort_values("ds", kind="stable").drop_duplicates("employee_key", keep="last")


def train(ctx: StageContext) -> dict[str, Any]:
    """Fit on the latest snapshots, split by employee, calibrate on validation, register the challenger."""
    data = training_rows(ctx)
    if len(data) < 300:
        raise ValueError(
            f"hr train: {len(data)} employees in the {ctx.source.train_window_days}-day window ending "
            f"{ctx.ds}; need at least 300. Load a snapshot first or widen HR_TRAIN_WINDOW_DAYS."
        )
    problem = RiskProblem(
        data=data,
        target="attrition",
        person_key="employee_key",
        features=FEATURES,
        baseline=LOGISTIC,
        monotone=MONOTONE,
        group_columns=GROUPS,
    )
    return train_risk_model(ctx, problem)
