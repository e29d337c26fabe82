"""Declares the healthcare domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate

SPEC = DomainSpec(
    name="healthcare",
    description="30-day readmission risk on de-identified encounters",
    schedule="0 1 * * *",
    api_port=8004,
    target="readmitted_30d",
    model_kind="xgboost_classifier",
    baseline="lace_index",
    gate=ModelGate(metric="roc_auc", greater_is_better=True, min_value=0.6),
    tags=("healthcare",),
)
