"""Declares the fraud domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate, QualityThresholds

SPEC = DomainSpec(
    name="fraud",
    description="card-transaction fraud probability with reasons",
    schedule="0 2 * * *",
    api_port=8001,
    target="is_fraud",
    model_kind="xgboost_classifier",
    baseline="logistic_regression",
    # PR-AUC, not ROC-AUC: at ~0.7% positives ROC-AUC flatters every model.
    gate=ModelGate(metric="pr_auc", greater_is_better=True, min_value=0.3, min_gain_over_baseline=0.01),
    quality=QualityThresholds(max_quarantine_share=0.05, min_rows=100),
    tags=("fraud", "cards", "pci"),
    built=True,
)
