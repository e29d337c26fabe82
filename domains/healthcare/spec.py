"""Declares the healthcare domain once; DAG, API, tests and the readiness validator read it from here."""

from domains.core.spec import DomainSpec, ModelGate, QualityThresholds

SPEC = DomainSpec(
    name="healthcare",
    description="30-day readmission risk on de-identified encounters",
    schedule="0 1 * * *",
    api_port=8004,
    target="readmitted_30d",
    model_kind="xgboost_classifier_platt_calibrated",
    baseline="lace_index",
    # ROC-AUC is how readmission scores are compared in the literature (LACE sits near 0.68 there);
    # Brier and calibration error are logged beside it.
    gate=ModelGate(metric="roc_auc", greater_is_better=True, min_value=0.6, min_gain_over_baseline=0.02),
    quality=QualityThresholds(max_quarantine_share=0.05, min_rows=100),
    tags=("healthcare", "phi", "hipaa"),
    # A regional hospital group discharges a few thousand patients a day; a month trains the model.
    source_defaults={"rows_per_day": 3000, "train_window_days": 30},
    bootstrap_history_days=2,
    built=True,
)
