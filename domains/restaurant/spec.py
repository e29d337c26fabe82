"""Declares the restaurant domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate

SPEC = DomainSpec(
    name="restaurant",
    description="review sentiment and rating trends",
    schedule="0 6 * * *",
    api_port=8006,
    target="sentiment",
    model_kind="tfidf_logistic_regression",
    baseline="vader",
    gate=ModelGate(metric="f1_macro", greater_is_better=True, min_value=0.5),
    tags=("restaurant",),
)
