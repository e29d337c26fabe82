"""Declares the banking domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate

SPEC = DomainSpec(
    name="banking",
    description="credit risk (probability of default) and AML alerts",
    schedule="30 0 * * *",
    api_port=8000,
    target="default",
    model_kind="xgboost_classifier",
    baseline="logistic_regression",
    gate=ModelGate(metric="roc_auc", greater_is_better=True, min_value=0.6),
    tags=("banking",),
)
