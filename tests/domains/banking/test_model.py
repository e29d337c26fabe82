"""The credit-risk model and the validate stage on a trained platform: beats logistic regression, logs
its metrics to MLflow, behaves sensibly, and AML monitoring scores accounts and tracks alert volume."""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd

from domains.banking.schema import ALERTS, GOLD_ACCOUNT_ANOMALY, GOLD_AML_VOLUME, GOLD_CREDIT
from domains.banking.serving import EXAMPLE, SERVICE, LoanApplication
from domains.core import model_store
from domains.core.pipeline import make_context
from tests.conftest import TRAIN_DAYS


def test_xgboost_beats_logistic_regression_and_is_promoted(banking_env: dict[str, Any]) -> None:
    train = banking_env["results"][0]["train"]
    validate = banking_env["results"][0]["validate"]
    assert train["roc_auc"] >= train["baseline_roc_auc"] + 0.005, train
    assert validate["promoted"] is True and validate["champion_version"] == train["model_version"]
    ctx = make_context("banking", TRAIN_DAYS[1])
    ref = model_store.get_alias(ctx.settings, "banking_model", model_store.CHAMPION)
    import mlflow

    mlflow.set_tracking_uri(ctx.settings.mlflow_tracking_uri)
    metrics = mlflow.get_run(ref.run_id).data.metrics
    for name in (
        "test_roc_auc",
        "test_pr_auc",
        "test_brier",
        "test_calibration_error",
        "baseline_test_roc_auc",
    ):
        assert name in metrics, name
    assert metrics["test_calibration_error"] < 0.05


def _scores(records: list[dict[str, Any]]) -> list[float]:
    ctx = make_context("banking", TRAIN_DAYS[1])
    model = SERVICE.load_model(ctx.settings, SERVICE.champion_ref(ctx.settings))
    out = SERVICE.predict(model, [LoanApplication(**r) for r in records])
    return [p["probability_of_default"] for p in out]


def test_more_delinquencies_never_lower_the_risk(banking_env: dict[str, Any]) -> None:
    scores = _scores([{**EXAMPLE, "delinq_2yrs": n} for n in range(6)])
    assert all(b >= a for a, b in itertools.pairwise(scores)), scores


def test_a_safe_application_scores_below_a_risky_one(banking_env: dict[str, Any]) -> None:
    safe = {**EXAMPLE, "annual_income": 90_000, "loan_amount": 5_000, "dti": 8.0, "delinq_2yrs": 0,
            "revol_util": 20.0, "credit_history_years": 15, "term": "36 months", "home_ownership": "MORTGAGE",
            "employment_length": "10+ years"}  # fmt: skip
    risky = {**EXAMPLE, "purpose": "small_business", "annual_income": 16_000, "employment_length": "< 1 year"}
    low, example, high = _scores([safe, EXAMPLE, risky])
    assert low < example < high


def test_validate_scores_the_day_and_monitors_aml(banking_env: dict[str, Any]) -> None:
    day = TRAIN_DAYS[1]
    wh = make_context("banking", day).warehouse
    [credit] = wh.read_table(GOLD_CREDIT, where="ds = :d", params={"d": day}).to_dict("records")
    assert credit["applications"] > 1000 and 0.05 < credit["mean_pd"] < 0.4 and credit["roc_auc"] > 0.6
    anomaly = wh.read_table(GOLD_ACCOUNT_ANOMALY, where="ds = :d", params={"d": day})
    assert len(anomaly) > 1000 and anomaly["flagged"].sum() == round(0.005 * len(anomaly))
    alerts = wh.read_table(ALERTS, where="ds = :d AND rule = 'account_anomaly'", params={"d": day})
    assert set(alerts["account_id"]) == set(anomaly.loc[anomaly["flagged"], "account_id"])
    volume = wh.read_table(GOLD_AML_VOLUME, where="ds = :d", params={"d": day}).set_index("rule")
    assert volume.loc["account_anomaly", "alerts"] == len(alerts)
    assert volume.loc["structuring", "alerts"] > 0 and pd.notna(volume.loc["structuring", "trailing_mean"])
    aml = banking_env["results"][0]["validate"]["aml"]
    assert aml["alerts_total"] == int(volume["alerts"].sum())
