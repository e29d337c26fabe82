"""Declares the ecommerce domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate

SPEC = DomainSpec(
    name="ecommerce",
    description="RFM segments, customer value and churn",
    schedule="0 3 * * *",
    api_port=8002,
    target="spend_90d",
    model_kind="xgboost_regressor",
    baseline="historical_average_rate",
    gate=ModelGate(metric="mae", greater_is_better=False),
    tags=("ecommerce",),
)
