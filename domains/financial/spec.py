"""Declares the financial domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate, QualityThresholds

SPEC = DomainSpec(
    name="financial",
    description="next-day return and price from an LSTM",
    schedule="0 4 * * *",
    api_port=8003,
    target="next_log_return",
    model_kind="lstm",
    baseline="random_walk",
    # RMSE of next-day returns relative to the random walk's (tomorrow's price = today's): below 1 means
    # the forecast carries information. It must be lower by 0.002 at least, so a model that merely
    # learns the average drift (worth ~0.0005 on daily data) is not mistaken for one that forecasts.
    gate=ModelGate(
        metric="rmse_ratio_to_random_walk",
        greater_is_better=False,
        max_value=1.0,
        min_gain_over_baseline=0.002,
    ),
    # Weekend and holiday runs find no new bars: an empty batch is normal here, not a broken feed.
    quality=QualityThresholds(max_quarantine_share=0.05, min_rows=0),
    tags=("financial", "timeseries", "tensorflow"),
    source_defaults={"tickers": 30},
    built=True,
)
