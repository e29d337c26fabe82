"""Healthcare validate stage: PHI leak scan first, then the promotion gate, then the champion on the
day's encounters (calibration, fairness by sex and age band) and a scan of its API responses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl, privacy_monitor
from domains.core.boosted import BoostedClassifier
from domains.core.metrics import classification_metrics
from domains.core.pipeline import StageContext
from domains.core.risk_training import group_metrics
from domains.healthcare.schema import (
    GOLD_DAILY,
    GOLD_FAIRNESS,
    GOLD_GROUPS,
    GOLD_MODEL,
    K_ANONYMITY,
    QUARANTINE,
    SILVER,
)
from domains.healthcare.serving import SERVICE, silver_to_requests

SCANNED = (SILVER, GOLD_DAILY, GOLD_GROUPS, QUARANTINE, GOLD_MODEL, GOLD_FAIRNESS)
API_SAMPLE = 200


def validate(ctx: StageContext) -> dict[str, Any]:
    """Stop on any PHI before anything is promoted; then gate the challenger and monitor the champion."""
    return privacy_monitor.stored_then_gate(
        ctx,
        SCANNED,
        "patient_name",
        lambda ref: BoostedClassifier.load(ctx.settings, ref),
        lambda model, holdout: classification_metrics(
            holdout["readmitted_30d"].to_numpy(), model.predict_proba(holdout), model.threshold
        ),
        lambda model, names: monitor(ctx, model, names),
    )


def monitor(ctx: StageContext, model: BoostedClassifier, names: frozenset[str]) -> dict[str, Any]:
    """The champion on today's at-risk encounters: level, calibration, fairness gaps, response scan."""
    today = etl.window(ctx, SILVER, 1)
    today = today.loc[today["at_risk"] == 1].reset_index(drop=True)
    if today.empty:
        return {}
    y = today["readmitted_30d"].to_numpy()
    p = model.predict_proba(today)
    m = classification_metrics(y, p, model.threshold)
    fairness = group_metrics(today, y, p, ("gender", "age_band"), min_rows=30)
    rows = [
        {
            "ds": ctx.ds,
            "model_version": model.version,
            "dimension": dim,
            "group_value": value,
            "encounters": g["rows"],
            "observed_30d_rate": g["observed_rate"],
            "mean_risk": g["mean_risk"],
            "roc_auc": g["roc_auc"],
        }
        for dim, d in fairness.items()
        for value, g in d["groups"].items()
        if g["rows"] >= K_ANONYMITY  # small groups are not published, even as model statistics
    ]
    scanner = privacy_monitor.scan_responses(ctx, SERVICE, silver_to_requests(today.head(API_SAMPLE)), names)
    summary = {
        "ds": ctx.ds,
        "model_version": model.version,
        "scored": len(today),
        "mean_risk": float(p.mean()),
        "observed_30d_rate": float(y.mean()),
        "high_band_share": float((model.bands(p) == "high").mean()),
        "roc_auc": m["roc_auc"],
        "brier": m["brier"],
        "auc_gap_gender": fairness["gender"]["auc_gap"],
        "auc_gap_age_band": fairness["age_band"]["auc_gap"],
        "phi_findings": len(scanner.findings),
    }
    ctx.warehouse.replace_partition(
        ctx.ds,
        {
            GOLD_MODEL: pd.DataFrame([summary]),
            GOLD_FAIRNESS: pd.DataFrame(rows, columns=list(GOLD_FAIRNESS.columns)),
        },
    )
    scanner.raise_if_found("healthcare")
    return {
        "scored": len(today),
        "mean_risk": round(float(p.mean()), 5),
        "observed_30d_rate": round(float(y.mean()), 5),
        "roc_auc_today": round(m["roc_auc"], 4) if np.isfinite(m["roc_auc"]) else None,
        "auc_gap_gender": fairness["gender"]["auc_gap"],
        "auc_gap_age_band": fairness["age_band"]["auc_gap"],
        "api_responses_scanned": min(len(today), API_SAMPLE),
        "phi_findings": 0,
    }
