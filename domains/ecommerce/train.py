"""Trains the customer-value challenger: spend over the next H days from a calibration/holdout split in time.

Features are computed as of a cutoff H days before the run's date; the target is what each customer
then spent in the H days up to the run's date, so nothing after the cutoff leaks into the features.
Model and baseline (the customer's historical average daily spend x H) are judged on the same
held-out customers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl, promotion
from domains.core.drift import reference_profile
from domains.core.pipeline import StageContext
from domains.ecommerce import rfm
from domains.ecommerce.model import ValueModel, baseline_margin
from domains.ecommerce.schema import GOLD_CUSTOMER_DAILY

MIN_CALIBRATION_DAYS = 28
MIN_CUSTOMERS = 200
MAX_EXTRA_CUTOFFS = 8
XGB_PARAMS: dict[str, Any] = {
    "n_estimators": 600,
    "max_depth": 4,
    "learning_rate": 0.05,
    "subsample": 0.9,
    "colsample_bytree": 0.9,
    "min_child_weight": 5,
    # Most customers spend nothing in the horizon, a few spend a lot: a Tweedie loss fits that shape.
    "objective": "reg:tweedie",
    "tweedie_variance_power": 1.3,
    "tree_method": "hist",
    "early_stopping_rounds": 50,
    "random_state": 42,
    "n_jobs": 2,
}


def calibration_frame(daily: pd.DataFrame, cutoff: str, end: str) -> pd.DataFrame:
    """Features as of `cutoff` and the target: net spend in (cutoff, end], floored at zero."""
    day = pd.to_datetime(daily["ds"]).dt.date
    c = pd.Timestamp(cutoff).date()
    features = rfm.customer_features(daily.loc[day <= c], cutoff)
    after = daily.loc[(day > c) & (day <= pd.Timestamp(end).date())]
    spend = after.groupby("customer_id")["revenue_net"].sum()
    target = features["customer_id"].map(spend).fillna(0.0).clip(lower=0.0)
    return features.assign(target=target.to_numpy(float))


def training_frames(daily: pd.DataFrame, cutoff: str, end: str, horizon: int, first: Any) -> pd.DataFrame:
    """Calibration frames at the cutoff and at weekly cutoffs before it (more customer histories to learn
    from), each with MIN_CALIBRATION_DAYS of history at least; the target always spans `horizon` days."""
    frames = []
    c = pd.Timestamp(cutoff).date()
    for k in range(MAX_EXTRA_CUTOFFS + 1):
        at = c - timedelta(days=7 * k)
        if (at - first).days + 1 < MIN_CALIBRATION_DAYS:
            break
        until = (at + timedelta(days=horizon)).isoformat()
        frames.append(calibration_frame(daily, at.isoformat(), until).assign(cutoff=at.isoformat()))
    return pd.concat(frames, ignore_index=True)


def _customer_part(customer_id: pd.Series) -> np.ndarray:
    """A stable number in [0, 1) per customer: the same customer falls in the same split every run."""
    return (pd.util.hash_pandas_object(customer_id, index=False).to_numpy() % 10_000) / 10_000


def baseline_prediction(frame: pd.DataFrame, observed_days: int, horizon: int) -> np.ndarray:
    """The customer's average daily net spend over the observed window, times the horizon."""
    return np.clip(frame["monetary"].to_numpy(float), 0, None) / max(observed_days, 1) * horizon


def regression_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """MAE and RMSE of spend, Spearman rank correlation, and how well the ranking finds returning buyers."""
    from scipy.stats import spearmanr
    from sklearn.metrics import roc_auc_score

    y, p = np.asarray(y, float), np.asarray(p, float)
    bought = y > 0
    return {
        "mae": float(np.mean(np.abs(y - p))),
        "rmse": float(np.sqrt(np.mean((y - p) ** 2))),
        "spearman": float(spearmanr(y, p).statistic) if len(y) > 2 else float("nan"),
        "repurchase_roc_auc": float(roc_auc_score(bought, p)) if 0 < bought.sum() < len(y) else float("nan"),
        "total_actual": float(y.sum()),
        "total_predicted": float(p.sum()),
        "rows": float(len(y)),
    }


def fit(train_df: pd.DataFrame, valid_df: pd.DataFrame, horizon: int) -> Any:
    """Boost from the baseline (its log as base margin): with little data the model stays near the
    average rate, and every tree that survives early stopping is a learnt improvement on it."""
    import xgboost as xgb

    model = xgb.XGBRegressor(**XGB_PARAMS)
    model.fit(
        train_df[list(rfm.FEATURES)],
        train_df["target"],
        base_margin=baseline_margin(train_df["spend_rate"].to_numpy(), horizon),
        eval_set=[(valid_df[list(rfm.FEATURES)], valid_df["target"])],
        base_margin_eval_set=[baseline_margin(valid_df["spend_rate"].to_numpy(), horizon)],
        verbose=False,
    )
    return model


def train(ctx: StageContext) -> dict[str, Any]:
    """Fit on the customer-day history, log model and baseline metrics, register the challenger."""
    horizon = ctx.source.horizon_days
    cutoff = (ctx.day - timedelta(days=horizon)).isoformat()
    daily = etl.window(
        ctx, GOLD_CUSTOMER_DAILY, rfm.LOOKBACK_DAYS + horizon, list(GOLD_CUSTOMER_DAILY.columns)
    )
    days = sorted(pd.to_datetime(daily["ds"]).dt.date.unique())
    observed = (pd.Timestamp(cutoff).date() - days[0]).days + 1 if days else 0
    if observed < MIN_CALIBRATION_DAYS:
        raise ValueError(
            f"ecommerce train: predicting {horizon}-day spend needs {MIN_CALIBRATION_DAYS} calibration days "
            f"before the cutoff {cutoff}, and the warehouse starts at {days[0] if days else 'no data'}. "
            f"Load at least {horizon + MIN_CALIBRATION_DAYS} days (python -m domains run ecommerce --days N "
            "--stages extract,transform,load) or lower ECOMMERCE_HORIZON_DAYS."
        )
    frames = training_frames(daily, cutoff, ctx.ds, horizon, days[0])
    latest = frames[frames["cutoff"] == cutoff]
    if len(latest) < MIN_CUSTOMERS:
        raise ValueError(
            f"ecommerce train: only {len(latest)} customers bought before {cutoff}; need {MIN_CUSTOMERS}"
        )
    # Customers are split, not rows: a held-out customer is in no training frame at any cutoff, so
    # earlier cutoffs (whose targets overlap the test horizon) cannot leak their future into training.
    part = _customer_part(frames["customer_id"])
    train_df, valid_df = frames[part < 0.7], frames[(part >= 0.7) & (part < 0.85)]
    test_df = latest[_customer_part(latest["customer_id"]) >= 0.85]
    observed = min(observed, rfm.LOOKBACK_DAYS)
    ctx.progress(
        "training ecommerce value model",
        customers=len(latest),
        cutoffs=int(frames["cutoff"].nunique()),
        rows=len(frames),
        horizon=horizon,
    )
    t0 = time.perf_counter()
    model = fit(train_df, valid_df, horizon)
    fit_seconds = time.perf_counter() - t0
    best = int(getattr(model, "best_iteration", XGB_PARAMS["n_estimators"] - 1))
    scorer = ValueModel(
        model.get_booster(),
        list(rfm.FEATURES),
        "candidate",
        {"horizon_days": horizon, "best_iteration": best},
    )
    y = test_df["target"].to_numpy(float)
    metrics = regression_metrics(y, scorer.predict(test_df))
    base_metrics = regression_metrics(y, baseline_prediction(test_df, observed, horizon))

    run_name = f"ecommerce_{ctx.ds}_{ctx.run_id[-8:]}"
    holdout_path = ctx.domain_dir("models", run_name) / "holdout.parquet"
    test_df.to_parquet(holdout_path, index=False)
    gain = model.get_booster().get_score(importance_type="gain")
    total = sum(gain.values()) or 1.0
    latest = rfm.customer_features(daily, ctx.ds)  # what the API scores: features as of the run's date
    meta = {
        "domain": "ecommerce",
        "features": list(rfm.FEATURES),
        "feature_importances": {f: round(gain.get(f, 0.0) / total, 6) for f in rfm.FEATURES},
        "horizon_days": horizon,
        "cutoff": cutoff,
        "observed_days": observed,
        "baseline": {"name": ctx.spec.baseline, "metrics": base_metrics},
        "metrics": metrics,
        "rfm_reference": rfm.reference_quantiles(latest),
        "reference_profile": reference_profile(train_df, rfm.FEATURES),
        "trained_at": datetime.now(UTC).isoformat(),
        "logical_date": ctx.ds,
        "training_range": {"from": str(days[0]), "to": cutoff, "target_to": ctx.ds},
        "holdout_path": str(holdout_path),
        "holdout_range": {"customers": len(test_df), "from": cutoff, "to": ctx.ds},
        "best_iteration": best,
    }
    result = promotion.register_challenger(
        ctx,
        model,
        flavor="xgboost",
        params={**XGB_PARAMS, "horizon_days": horizon, "features": ",".join(rfm.FEATURES)},
        metrics=metrics,
        baseline_metrics=base_metrics,
        extra_metrics={
            "fit_seconds": fit_seconds,
            "train_rows": len(train_df),
            "cutoffs": int(frames["cutoff"].nunique()),
        },
        meta=meta,
        trained_ds=daily["ds"],
        run_name=run_name,
        holdout_path=holdout_path,
    )
    return {
        **result,
        "mae": metrics["mae"],
        "baseline_mae": base_metrics["mae"],
        "spearman": metrics["spearman"],
    }
