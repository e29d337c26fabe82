"""E-commerce validate stage: the gate against the average-rate baseline and the champion, then scoring."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl, ops, promotion
from domains.core.drift import psi
from domains.core.pipeline import StageContext
from domains.ecommerce import rfm
from domains.ecommerce.model import ValueModel
from domains.ecommerce.schema import GOLD_CUSTOMER_DAILY, GOLD_RFM, GOLD_VALUE
from domains.ecommerce.train import regression_metrics


def evaluate(model: ValueModel, holdout: pd.DataFrame) -> dict[str, float]:
    return regression_metrics(holdout["target"].to_numpy(float), model.predict(holdout))


def validate(ctx: StageContext) -> dict[str, Any]:
    """Promote the challenger only if its MAE beats the baseline and the champion on the same customers."""
    return promotion.validate_stage(
        ctx,
        lambda ref: ValueModel.load(ctx.settings, ref),
        evaluate,
        lambda model: monitor(ctx, model),
    )


def monitor(ctx: StageContext, model: ValueModel) -> dict[str, Any]:
    """Predict every known customer's spend as of today, per segment, and the features' drift."""
    daily = etl.window(ctx, GOLD_CUSTOMER_DAILY, rfm.LOOKBACK_DAYS, list(GOLD_CUSTOMER_DAILY.columns))
    features = rfm.customer_features(daily, ctx.ds)
    if features.empty:
        return {}
    segments = ctx.warehouse.read_table(
        GOLD_RFM, ["customer_id", "segment"], where="ds = :ds", params={"ds": ctx.ds}
    )
    scored = features.assign(predicted=model.predict(features)).merge(segments, on="customer_id", how="left")
    by_segment = (
        scored.groupby(scored["segment"].fillna("unknown"))
        .agg(customers=("customer_id", "size"), predicted_spend=("predicted", "sum"))
        .reset_index()
    )
    value = by_segment.assign(
        ds=ctx.ds,
        model_version=model.version,
        mean_predicted_spend=by_segment["predicted_spend"] / by_segment["customers"],
    )
    ctx.warehouse.replace_partition(ctx.ds, {GOLD_VALUE: value[list(GOLD_VALUE.columns)]})
    drift = psi(model.meta.get("reference_profile", {}), features)
    ops.record_drift(ctx.warehouse, "ecommerce", ctx.ds, model.version, drift)
    worst = max(drift.items(), key=lambda kv: kv[1]) if drift else (None, 0.0)
    return {
        "customers_scored": len(scored),
        "predicted_spend_total": round(float(scored["predicted"].sum()), 2),
        "max_psi_feature": worst[0],
        "max_psi": round(float(worst[1]), 4),
        "top_segment_by_value": str(value.sort_values("predicted_spend").iloc[-1]["segment"]),
        "mean_predicted_spend": round(float(np.mean(scored["predicted"])), 2),
    }
