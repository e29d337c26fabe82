"""Trains the fraud XGBoost challenger and its logistic-regression baseline on a time-based split."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from domains.core import promotion
from domains.core.drift import reference_profile
from domains.core.metrics import best_f1_threshold, classification_metrics
from domains.core.pipeline import StageContext
from domains.fraud.etl import silver_window
from domains.fraud.features import category_risk
from domains.fraud.schema import CATEGORIES, FEATURES, GOLD_CATEGORY

MIN_POSITIVES = 20
# Domain knowledge the model may not contradict: more activity on a card within the hour never
# makes a transaction safer (card-testing bursts). Keeps scores explainable and stable.
MONOTONE_RISK = {"vel_count_1h": 1, "vel_amount_1h": 1}
XGB_PARAMS: dict[str, Any] = {
    "n_estimators": 600,
    "max_depth": 5,
    "learning_rate": 0.06,
    "subsample": 0.85,
    "colsample_bytree": 0.85,
    "min_child_weight": 2,
    "reg_lambda": 1.0,
    "tree_method": "hist",
    # Log-loss stops more steadily than PR-AUC when the validation slice holds few frauds.
    "eval_metric": "logloss",
    "early_stopping_rounds": 100,
    "random_state": 42,
    "n_jobs": 2,
}


def time_split(frame: pd.DataFrame, valid: float = 0.15, test: float = 0.15) -> tuple[pd.DataFrame, ...]:
    """Oldest rows train, newer ones pick the threshold, the newest judge: no look-ahead."""
    frame = frame.sort_values("trans_ts", kind="stable", ignore_index=True)
    n = len(frame)
    a, b = int(n * (1 - valid - test)), int(n * (1 - test))
    return frame.iloc[:a], frame.iloc[a:b], frame.iloc[b:]


def fit_baseline(train: pd.DataFrame) -> Any:
    """The named baseline: logistic regression on the same features (imputed, standardised, balanced)."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(class_weight="balanced", max_iter=2000),
    )
    return model.fit(train[list(FEATURES)].to_numpy(dtype=float), train["is_fraud"].to_numpy())


def fit_xgboost(train: pd.DataFrame, valid: pd.DataFrame) -> Any:
    """XGBoost with the class imbalance weighted and early stopping on validation PR-AUC."""
    import xgboost as xgb

    y = train["is_fraud"].to_numpy()
    pos = max(int(y.sum()), 1)
    # sqrt of the imbalance: enough to learn the rare class without flattening every score.
    weight = min(((len(y) - pos) / pos) ** 0.5, 100.0)
    model = xgb.XGBClassifier(
        **XGB_PARAMS,
        scale_pos_weight=weight,
        monotone_constraints={f: MONOTONE_RISK.get(f, 0) for f in FEATURES},
    )
    model.fit(
        train[list(FEATURES)],
        y,
        eval_set=[(valid[list(FEATURES)], valid["is_fraud"].to_numpy())],
        verbose=False,
    )
    return model


def serving_category_risk(ctx: StageContext) -> dict[str, float | None]:
    """Category fraud rates up to and including the run's date, as the API computes `category_risk`.

    The same 60-day shrunk estimate transform uses, shifted one day on: what tomorrow's rows will see.
    """
    lo = (ctx.day - timedelta(days=59)).isoformat()
    prior = ctx.warehouse.read_table(
        GOLD_CATEGORY,
        ["category", "transactions", "fraud_transactions"],
        where="ds >= :lo AND ds <= :ds",
        params={"lo": lo, "ds": ctx.ds},
    )
    rates = category_risk(pd.Series(CATEGORIES), prior)
    return {c: (float(r) if np.isfinite(r) else None) for c, r in zip(CATEGORIES, rates, strict=True)}


def train(ctx: StageContext) -> dict[str, Any]:
    """Fit on the warehouse window, log both models' held-out metrics, register the challenger."""
    days = ctx.source.train_window_days
    data = silver_window(ctx, days, ["ds", "trans_ts", "is_fraud", *FEATURES])
    positives = int(data["is_fraud"].sum()) if len(data) else 0
    if positives < MIN_POSITIVES:
        raise ValueError(
            f"fraud train: only {positives} fraud rows in the {days}-day window ending {ctx.ds} "
            f"({len(data)} rows); need at least {MIN_POSITIVES}. "
            "Load more days or widen FRAUD_TRAIN_WINDOW_DAYS."
        )
    train_df, valid_df, test_df = time_split(data)
    ctx.progress(
        "training fraud model",
        rows=len(data),
        positives=positives,
        split=[len(train_df), len(valid_df), len(test_df)],
    )
    t0 = time.perf_counter()
    model = fit_xgboost(train_df, valid_df)
    fit_seconds = time.perf_counter() - t0
    baseline = fit_baseline(train_df)

    def scores(m: Any, frame: pd.DataFrame) -> np.ndarray:
        if hasattr(m, "get_booster"):
            return m.predict_proba(frame[list(FEATURES)])[:, 1]
        return m.predict_proba(frame[list(FEATURES)].to_numpy(dtype=float))[:, 1]

    threshold = best_f1_threshold(valid_df["is_fraud"].to_numpy(), scores(model, valid_df))
    base_threshold = best_f1_threshold(valid_df["is_fraud"].to_numpy(), scores(baseline, valid_df))
    y_test = test_df["is_fraud"].to_numpy()
    metrics = classification_metrics(y_test, scores(model, test_df), threshold)
    base_metrics = classification_metrics(y_test, scores(baseline, test_df), base_threshold)

    run_name = f"fraud_{ctx.ds}_{ctx.run_id[-8:]}"
    holdout_dir = ctx.domain_dir("models", run_name)
    holdout_path = holdout_dir / "holdout.parquet"
    test_df.to_parquet(holdout_path, index=False)

    booster = model.get_booster()
    gain = booster.get_score(importance_type="gain")
    total_gain = sum(gain.values()) or 1.0
    importances = {f: round(gain.get(f, 0.0) / total_gain, 6) for f in FEATURES}
    meta = {
        "domain": "fraud",
        "features": list(FEATURES),
        "threshold": threshold,
        "baseline": {"name": ctx.spec.baseline, "threshold": base_threshold, "metrics": base_metrics},
        "metrics": metrics,
        "feature_importances": importances,
        "category_risk": serving_category_risk(ctx),
        "reference_profile": reference_profile(train_df, FEATURES),
        "trained_at": datetime.now(UTC).isoformat(),
        "logical_date": ctx.ds,
        "training_range": {
            "from": str(train_df["trans_ts"].min()),
            "to": str(train_df["trans_ts"].max()),
            "partitions": sorted(data["ds"].astype(str).unique().tolist()),
        },
        "holdout_path": str(holdout_path),
        "holdout_range": {"from": str(test_df["trans_ts"].min()), "to": str(test_df["trans_ts"].max())},
        "best_iteration": int(getattr(model, "best_iteration", model.get_booster().num_boosted_rounds() - 1)),
    }
    params = {
        **{k: v for k, v in XGB_PARAMS.items()},
        "scale_pos_weight": model.get_params()["scale_pos_weight"],
        "train_window_days": days,
        "features": ",".join(FEATURES),
        "threshold": threshold,
    }
    result = promotion.register_challenger(
        ctx,
        model,
        flavor="xgboost",
        params=params,
        metrics=metrics,
        baseline_metrics=base_metrics,
        extra_metrics={
            "fit_seconds": fit_seconds,
            "train_rows": len(train_df),
            "train_positives": int(train_df["is_fraud"].sum()),
        },
        meta=meta,
        trained_ds=data["ds"],
        run_name=run_name,
        holdout_path=holdout_path,
    )
    return {**result, "threshold": threshold}
