"""Declares the ecommerce domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate, QualityThresholds

SPEC = DomainSpec(
    name="ecommerce",
    description="RFM segments and customer value (spend over the next 90 days)",
    schedule="0 3 * * *",
    api_port=8002,
    target="spend_next_horizon",
    model_kind="xgboost_regressor",
    baseline="historical_average_rate",
    # RMSE, not MAE: most customers spend nothing in a horizon, and MAE would reward predicting 0 for
    # everyone; RMSE rewards the expected spend, which is what revenue planning adds up. MAE and the
    # rank correlation are logged beside it.
    gate=ModelGate(metric="rmse", greater_is_better=False, min_gain_over_baseline=0.01),
    quality=QualityThresholds(max_quarantine_share=0.05, min_rows=50),
    tags=("ecommerce", "customers", "rfm"),
    # The model needs the horizon plus four calibration weeks of history (see domains/ecommerce/train.py).
    source_defaults={"horizon_days": 90, "train_window_days": 365},
    bootstrap_history_days=90 + 28,
    built=True,
)
