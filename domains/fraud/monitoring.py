"""Fraud validate stage: the promotion gate, then drift and high-risk monitoring with the champion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from domains.core import model_store, ops
from domains.core.drift import psi
from domains.core.gate import decide
from domains.core.metrics import classification_metrics
from domains.core.model_store import CHALLENGER, CHAMPION, ModelRef
from domains.core.pipeline import StageContext
from domains.fraud.etl import silver_window
from domains.fraud.model import FraudModel
from domains.fraud.schema import FEATURES, GOLD_RISK


def _challenger(ctx: StageContext) -> ModelRef:
    name = ctx.spec.registered_model_name
    if "train" in ctx.upstream:
        version = str(ctx.upstream["train"]["model_version"])
        return ModelRef(name, version, ctx.upstream["train"]["mlflow_run_id"], {})
    ref = model_store.get_alias(ctx.settings, name, CHALLENGER)
    if ref is None:
        raise LookupError(f"no {name} challenger registered; run train first")
    return ref


def holdout_frame(ctx: StageContext, model: FraudModel, ref: ModelRef) -> pd.DataFrame:
    """The challenger's held-out rows: the local copy, else the copy logged with its MLflow run."""
    local = Path(model.meta.get("holdout_path", ""))
    if local.is_file():
        return pd.read_parquet(local)
    return pd.read_parquet(model_store.artifact_path(ctx.settings, ref, "holdout/holdout.parquet"))


def validate(ctx: StageContext) -> dict[str, Any]:
    """Promote the challenger only if it beats the baseline and the champion on the same rows."""
    gate = ctx.spec.gate
    ref = _challenger(ctx)
    challenger = FraudModel.load(ctx.settings, ref)
    holdout = holdout_frame(ctx, challenger, ref)
    y = holdout["is_fraud"].to_numpy()
    ch = classification_metrics(y, challenger.predict_proba(holdout), challenger.threshold)
    baseline = float(challenger.meta["baseline"]["metrics"][gate.metric])

    champ_ref = model_store.get_alias(ctx.settings, ref.name, CHAMPION)
    champ_metrics = None
    if champ_ref is not None and champ_ref.version != ref.version:
        champion = FraudModel.load(ctx.settings, champ_ref)
        champ_metrics = classification_metrics(y, champion.predict_proba(holdout), champion.threshold)
        ops.record_model_metrics(
            ctx.warehouse, "fraud", ctx.ds, ctx.run_id, ref.name, champ_ref.version, "champion", champ_metrics
        )
    decision = decide(gate, ch[gate.metric], baseline, champ_metrics[gate.metric] if champ_metrics else None)
    already = champ_ref is not None and champ_ref.version == ref.version
    if decision.promote and not already:
        model_store.set_alias(ctx.settings, ref, CHAMPION)
        ops.record_audit(
            ctx.warehouse,
            domain="fraud",
            action="promote",
            ds=ctx.ds,
            run_id=ctx.run_id,
            details={
                "model": ref.name,
                "version": ref.version,
                "replaced": champ_ref.version if champ_ref else None,
                "reasons": decision.reasons,
            },
        )
    model_store.tag_version(
        ctx.settings,
        ref,
        {
            "gate_decision": "promoted" if decision.promote else "rejected",
            "gate_reasons": " | ".join(decision.reasons),
        },
    )
    ops.record_model_metrics(
        ctx.warehouse, "fraud", ctx.ds, ctx.run_id, ref.name, ref.version, "challenger_gate", ch
    )
    ctx.progress(
        f"gate: {'promoted' if decision.promote else 'kept as challenger'} v{ref.version}",
        reasons=decision.reasons,
    )

    current = model_store.get_alias(ctx.settings, ref.name, CHAMPION)
    monitoring: dict[str, Any] = {}
    if current is not None:
        model = challenger if current.version == ref.version else FraudModel.load(ctx.settings, current)
        monitoring = monitor(ctx, model)
    return {
        "model_version": ref.version,
        "promoted": decision.promote,
        "reasons": decision.reasons,
        "metric": gate.metric,
        "challenger": ch[gate.metric],
        "baseline": baseline,
        "champion_before": champ_metrics[gate.metric] if champ_metrics else None,
        "champion_version": current.version if current else None,
        "monitoring": monitoring,
    }


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
