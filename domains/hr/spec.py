"""Declares the hr domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate

SPEC = DomainSpec(
    name="hr",
    description="attrition risk and feedback sentiment on anonymised employees",
    schedule="0 8 * * 1",
    api_port=8005,
    target="attrition",
    model_kind="xgboost_classifier",
    baseline="logistic_regression",
    gate=ModelGate(metric="roc_auc", greater_is_better=True, min_value=0.6),
    tags=("hr",),
)
