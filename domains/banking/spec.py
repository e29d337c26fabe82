"""Declares the banking domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate, QualityThresholds

SPEC = DomainSpec(
    name="banking",
    description="credit risk (probability of default) and AML alerts",
    schedule="30 0 * * *",
    api_port=8000,
    target="default",
    model_kind="xgboost_classifier_platt_calibrated",
    baseline="logistic_regression",
    # ROC-AUC ranks applicants the way credit officers act on them; PR-AUC, Brier and calibration error
    # are logged beside it. XGBoost must beat logistic regression by 0.005 to replace it.
    gate=ModelGate(metric="roc_auc", greater_is_better=True, min_value=0.6, min_gain_over_baseline=0.005),
    # Customer and account deltas are small; their share limit is relaxed below 500 rows (see etl).
    quality=QualityThresholds(max_quarantine_share=0.05, min_rows=1000),
    tags=("banking", "pii", "aml", "credit-risk"),
    # 120k transactions a day; loan outcomes accumulate over half a year of matured applications.
    source_defaults={"rows_per_day": 120_000, "train_window_days": 180},
    bootstrap_history_days=6,
    built=True,
)
