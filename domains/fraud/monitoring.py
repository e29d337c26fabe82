"""Fraud validate stage: the promotion gate, then drift and high-risk monitoring with the champion."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from domains.core import ops, promotion
from domains.core.drift import psi
from domains.core.metrics import classification_metrics
from domains.core.model_store import ModelRef
from domains.core.pipeline import StageContext
from domains.fraud.etl import silver_window
from domains.fraud.model import FraudModel
from domains.fraud.schema import FEATURES, GOLD_RISK


def holdout_frame(ctx: StageContext, model: FraudModel, ref: ModelRef) -> pd.DataFrame:
    """The challenger's held-out rows (kept for the health check's in-process scoring)."""
    return promotion.holdout_frame(ctx, model.meta, ref)


def validate(ctx: StageContext) -> dict[str, Any]:
    """Promote the challenger only if it beats the baseline and the champion on the same rows."""
    return promotion.validate_stage(
        ctx,
        lambda ref: FraudModel.load(ctx.settings, ref),
        lambda model, holdout: classification_metrics(
            holdout["is_fraud"].to_numpy(), model.predict_proba(holdout), model.threshold
        ),
        lambda model: monitor(ctx, model),
    )


def monitor(ctx: StageContext, model: FraudModel) -> dict[str, Any]:
    """Score the day's partition: how much the champion flags, and how far features drifted (PSI)."""
    today = silver_window(ctx, 1, ["is_fraud", *FEATURES])
    if today.empty:
        return {}
    p = model.predict_proba(today)
    flagged = p >= model.threshold
    fraud = today["is_fraud"].to_numpy() == 1
    risk = pd.DataFrame(
        [
            {
                "ds": ctx.ds,
                "model_version": model.version,
                "threshold": model.threshold,
                "scored": len(today),
                "high_risk": int(flagged.sum()),
                "high_risk_share": float(flagged.mean()),
                "high_risk_amount": float(today.loc[flagged, "amt"].sum()),
                "flagged_fraud_recall": float(flagged[fraud].mean()) if fraud.any() else float("nan"),
            }
        ]
    )
    ctx.warehouse.replace_partition(ctx.ds, {GOLD_RISK: risk})
    drift = psi(model.meta.get("reference_profile", {}), today)
    ops.record_drift(ctx.warehouse, "fraud", ctx.ds, model.version, drift)
    worst = max(drift.items(), key=lambda kv: kv[1]) if drift else (None, 0.0)
    return {
        "high_risk": int(flagged.sum()),
        "high_risk_share": round(float(flagged.mean()), 5),
        "max_psi_feature": worst[0],
        "max_psi": round(float(worst[1]), 4),
        "drifted_features": sorted(f for f, v in drift.items() if v >= 0.25),
        "mean_score": round(float(np.mean(p)), 5),
    }
