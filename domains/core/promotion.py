"""Registering a challenger and judging it at the gate, the same way in every domain's train/validate."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from domains.core import model_store, ops
from domains.core.gate import GateDecision, decide
from domains.core.model_store import CHALLENGER, CHAMPION, ModelRef
from domains.core.pipeline import StageContext


def register_challenger(
    ctx: StageContext,
    model: Any,
    *,
    flavor: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    baseline_metrics: Mapping[str, float],
    extra_metrics: Mapping[str, float],
    meta: Mapping[str, Any],
    trained_ds: pd.Series,
    run_name: str,
    holdout_path: Path,
    artifacts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Log to MLflow, alias `challenger`, record lineage and both models' held-out metrics.

    `trained_ds` is the date of every training row; `artifacts` maps MLflow folders to more files to log
    beside the held-out rows. Returns the train stage's result: the version,
    the gate metric for challenger and baseline, and `extra_metrics`.
    """
    domain, gate = ctx.spec.name, ctx.spec.gate.metric
    logged = {
        **{f"test_{k}": v for k, v in metrics.items() if np.isfinite(v)},
        **{f"baseline_test_{k}": v for k, v in baseline_metrics.items() if np.isfinite(v)},
        **extra_metrics,
    }
    ref = model_store.log_model(
        ctx.settings,
        domain,
        ctx.spec.registered_model_name,
        model,
        params=params,
        metrics=logged,
        meta=meta,
        tags={"logical_date": ctx.ds, "airflow_run_id": ctx.run_id},
        run_name=run_name,
        artifacts={"holdout": str(holdout_path), **(artifacts or {})},
        flavor=flavor,
    )
    ops.record_lineage(ctx.warehouse, domain, ref.name, ref.version, ref.run_id, _lineage(ctx, trained_ds))
    ops.record_model_metrics(
        ctx.warehouse, domain, ctx.ds, ctx.run_id, ref.name, ref.version, "challenger", metrics
    )
    ops.record_model_metrics(
        ctx.warehouse,
        domain,
        ctx.ds,
        ctx.run_id,
        ref.name,
        None,
        f"baseline:{ctx.spec.baseline}",
        baseline_metrics,
    )
    ctx.progress(
        f"registered {ref.name} v{ref.version} as challenger",
        **{gate: round(metrics[gate], 4), f"baseline_{gate}": round(baseline_metrics[gate], 4)},
    )
    return {
        "model_name": ref.name,
        "model_version": ref.version,
        "mlflow_run_id": ref.run_id,
        "holdout_path": str(holdout_path),
        gate: metrics[gate],
        f"baseline_{gate}": baseline_metrics[gate],
        **extra_metrics,
    }


def _lineage(ctx: StageContext, trained_ds: pd.Series) -> list[dict[str, Any]]:
    """Per date trained on: its rows, and the source checksum its load recorded in the audit trail."""
    loads = ctx.warehouse.read_table(
        ops.AUDIT,
        ["ds", "source_checksum", "event_at"],
        where="domain = :d AND action = :a",
        params={"d": ctx.spec.name, "a": "load"},
    )
    checksum = loads.sort_values("event_at").groupby(loads["ds"].astype(str))["source_checksum"].last()
    rows = trained_ds.astype(str).value_counts().sort_index()
    return [{"ds": ds, "rows": int(n), "source_checksum": checksum.get(ds)} for ds, n in rows.items()]


def challenger_ref(ctx: StageContext) -> ModelRef:
    """The version train registered in this run (XCom), else the registry's `challenger` alias."""
    name = ctx.spec.registered_model_name
    if "train" in ctx.upstream:
        version = str(ctx.upstream["train"]["model_version"])
        return ModelRef(name, version, ctx.upstream["train"]["mlflow_run_id"], {})
    ref = model_store.get_alias(ctx.settings, name, CHALLENGER)
    if ref is None:
        raise LookupError(f"no {name} challenger registered; run train first")
    return ref


def holdout_frame(ctx: StageContext, meta: Mapping[str, Any], ref: ModelRef) -> pd.DataFrame:
    """A version's held-out rows: the local copy, else the copy logged with its MLflow run."""
    local = Path(meta.get("holdout_path", ""))
    if local.is_file():
        return pd.read_parquet(local)
    return pd.read_parquet(model_store.artifact_path(ctx.settings, ref, "holdout/holdout.parquet"))


def apply_gate(
    ctx: StageContext,
    ref: ModelRef,
    challenger_metrics: Mapping[str, float],
    baseline_value: float,
    champion: ModelRef | None,
    champion_metrics: Mapping[str, float] | None,
    extra_reasons: Sequence[str] = (),
    blocked: bool = False,
) -> GateDecision:
    """Decide on one metric, move the `champion` alias if it passes, and record why either way.

    `extra_reasons` come from a domain's own further check; `blocked` means that check failed.
    """
    gate, domain = ctx.spec.gate, ctx.spec.name
    if champion_metrics is not None and champion is not None:
        ops.record_model_metrics(
            ctx.warehouse,
            domain,
            ctx.ds,
            ctx.run_id,
            ref.name,
            champion.version,
            "champion",
            champion_metrics,
        )
    decision = decide(
        gate,
        challenger_metrics[gate.metric],
        baseline_value,
        champion_metrics[gate.metric] if champion_metrics else None,
    )
    decision = GateDecision(decision.promote and not blocked, [*decision.reasons, *extra_reasons])
    already = champion is not None and champion.version == ref.version
    if decision.promote and not already:
        model_store.set_alias(ctx.settings, ref, CHAMPION)
        ops.record_audit(
            ctx.warehouse,
            domain=domain,
            action="promote",
            ds=ctx.ds,
            run_id=ctx.run_id,
            details={
                "model": ref.name,
                "version": ref.version,
                "replaced": champion.version if champion else None,
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
        ctx.warehouse,
        domain,
        ctx.ds,
        ctx.run_id,
        ref.name,
        ref.version,
        "challenger_gate",
        challenger_metrics,
    )
    ctx.progress(
        f"gate: {'promoted' if decision.promote else 'kept as challenger'} v{ref.version}",
        reasons=decision.reasons,
    )
    return decision


def current_champion(ctx: StageContext) -> ModelRef | None:
    return model_store.get_alias(ctx.settings, ctx.spec.registered_model_name, CHAMPION)


def validate_stage(
    ctx: StageContext,
    load: Callable[[ModelRef], Any],
    evaluate: Callable[[Any, pd.DataFrame], Mapping[str, float]],
    monitor: Callable[[Any], dict[str, Any]],
    extra_check: Callable[[Any], tuple[bool, list[str]]] | None = None,
) -> dict[str, Any]:
    """The validate stage every domain runs: gate the challenger on its held-out rows, then monitor.

    `load` reads a version, `evaluate` scores a model on held-out rows, `monitor` scores the day with
    the champion; the baseline's metric was measured on the same rows at training time.
    `extra_check(challenger)` is a domain's own further condition: (passed, reasons).
    """
    gate = ctx.spec.gate
    ref = challenger_ref(ctx)
    challenger = load(ref)
    holdout = holdout_frame(ctx, challenger.meta, ref)
    ch = dict(evaluate(challenger, holdout))
    baseline = float(challenger.meta["baseline"]["metrics"][gate.metric])
    champ_ref = current_champion(ctx)
    champ_metrics = None
    if champ_ref is not None and champ_ref.version != ref.version:
        champ_metrics = dict(evaluate(load(champ_ref), holdout))
    passed, extra_reasons = extra_check(challenger) if extra_check else (True, [])
    decision = apply_gate(
        ctx, ref, ch, baseline, champ_ref, champ_metrics, extra_reasons=extra_reasons, blocked=not passed
    )
    current = current_champion(ctx)
    monitoring: dict[str, Any] = {}
    if current is not None:
        monitoring = monitor(challenger if current.version == ref.version else load(current))
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
