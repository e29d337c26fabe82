"""Restaurant validate stage: the gate against VADER and the champion, then the day's model monitoring."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl, ops, promotion
from domains.core.drift import psi
from domains.core.metrics import multiclass_metrics
from domains.core.pipeline import StageContext
from domains.restaurant.model import SentimentModel
from domains.restaurant.schema import GOLD_MODEL, SENTIMENTS, SILVER
from domains.restaurant.train import PROFILE_FEATURES, vader_labels


def evaluate(model: SentimentModel, frame: pd.DataFrame, proba: np.ndarray | None = None) -> dict[str, float]:
    """The model's metrics against the star-derived sentiment of `frame` (scored here unless given)."""
    proba = model.predict_proba(frame["tokens"].tolist()) if proba is None else proba
    predicted = np.asarray(SENTIMENTS)[proba.argmax(axis=1)]
    return multiclass_metrics(frame["sentiment"].to_numpy(), predicted, SENTIMENTS, proba)


def validate(ctx: StageContext) -> dict[str, Any]:
    """Promote the challenger only if it beats VADER and the champion on the same held-out reviews."""
    return promotion.validate_stage(
        ctx,
        lambda ref: SentimentModel.load(ctx.settings, ref),
        evaluate,
        lambda model: monitor(ctx, model),
    )


def monitor(ctx: StageContext, model: SentimentModel) -> dict[str, Any]:
    """Score the day's reviews: predicted mix, agreement with the stars next to VADER's, and drift."""
    columns = list(dict.fromkeys(["tokens", "sentiment", "vader_compound", *PROFILE_FEATURES]))
    today = etl.window(ctx, SILVER, 1, columns)
    if today.empty:
        return {}
    proba = model.predict_proba(today["tokens"].tolist())
    metrics = evaluate(model, today, proba)
    shares = np.bincount(proba.argmax(axis=1), minlength=len(SENTIMENTS)) / len(today)
    vader = multiclass_metrics(
        today["sentiment"].to_numpy(),
        vader_labels(today["vader_compound"].to_numpy(float), float(model.meta["baseline"]["threshold"])),
        SENTIMENTS,
    )
    row = {
        "ds": ctx.ds,
        "model_version": model.version,
        "scored": len(today),
        **{f"pred_{c}_share": float(s) for c, s in zip(SENTIMENTS, shares, strict=True)},
        "f1_macro_vs_stars": metrics["f1_macro"],
        "vader_f1_macro_vs_stars": vader["f1_macro"],
    }
    ctx.warehouse.replace_partition(ctx.ds, {GOLD_MODEL: pd.DataFrame([row])})
    ops.record_model_metrics(
        ctx.warehouse,
        "restaurant",
        ctx.ds,
        ctx.run_id,
        ctx.spec.registered_model_name,
        model.version,
        "champion_today",
        metrics,
    )
    drift = psi(model.meta.get("reference_profile", {}), today)
    ops.record_drift(ctx.warehouse, "restaurant", ctx.ds, model.version, drift)
    worst = max(drift.items(), key=lambda kv: kv[1]) if drift else (None, 0.0)
    return {
        "scored": len(today),
        "f1_macro_vs_stars": round(metrics["f1_macro"], 4),
        "vader_f1_macro_vs_stars": round(vader["f1_macro"], 4),
        "predicted_shares": {c: round(float(s), 4) for c, s in zip(SENTIMENTS, shares, strict=True)},
        "max_psi_feature": worst[0],
        "max_psi": round(float(worst[1]), 4),
    }
