"""Declares the hr domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate, QualityThresholds

SPEC = DomainSpec(
    name="hr",
    description="attrition risk and feedback sentiment on anonymised employees",
    schedule="0 8 * * 1",
    api_port=8005,
    target="attrition",
    model_kind="xgboost_classifier_platt_calibrated",
    baseline="logistic_regression",
    # ROC-AUC: the ranking HR partners act on (who to talk to first); PR-AUC and Brier are logged too.
    gate=ModelGate(metric="roc_auc", greater_is_better=True, min_value=0.6, min_gain_over_baseline=0.0),
    quality=QualityThresholds(max_quarantine_share=0.05, min_rows=100),
    tags=("hr", "pii", "nlp"),
    # One weekly snapshot of the whole workforce; four weeks of snapshots train the model.
    source_defaults={"rows_per_day": 6000, "train_window_days": 28},
    built=True,
)
