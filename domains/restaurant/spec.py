"""Declares the restaurant domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate, QualityThresholds

SPEC = DomainSpec(
    name="restaurant",
    description="review sentiment and rating trends",
    schedule="0 6 * * *",
    api_port=8006,
    target="sentiment",
    model_kind="tfidf_logistic_regression",
    baseline="vader",
    # Macro-F1: neutral reviews are the rare, hard class, and accuracy would hide missing them.
    gate=ModelGate(metric="f1_macro", greater_is_better=True, min_value=0.5, min_gain_over_baseline=0.05),
    quality=QualityThresholds(max_quarantine_share=0.05, min_rows=100),
    tags=("restaurant", "nlp", "reviews"),
    # A few thousand reviews a day over a few hundred restaurants; a month trains the model.
    source_defaults={"rows_per_day": 3000, "train_window_days": 30},
    built=True,
)
