"""Declares the financial domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate

SPEC = DomainSpec(
    name="financial",
    description="next-day return and price from an LSTM",
    schedule="0 4 * * *",
    api_port=8003,
    target="next_log_return",
    model_kind="lstm",
    baseline="random_walk",
    gate=ModelGate(metric="rmse_ratio_to_random_walk", greater_is_better=False, max_value=1.0),
    tags=("financial",),
)
