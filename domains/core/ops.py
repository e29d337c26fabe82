"""The ops layer: audit trail, lineage, model metrics history, drift and task resource usage."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from domains.core.warehouse import TableDef, Warehouse

AUDIT = TableDef(
    "ops_audit",
    {
        "event_at": "datetime",
        "domain": "str",
        "action": "str",
        "ds": "date",
        "run_id": "str",
        "source_checksum": "str",
        "rows_in": "int",
        "rows_out": "int",
        "rows_quarantined": "int",
        "details": "json",
    },
    partition_key=None,
    indexes=(("domain", "ds"),),
)

LINEAGE = TableDef(
    "ops_lineage",
    {
        "domain": "str",
        "model_name": "str",
        "model_version": "str",
        "mlflow_run_id": "str",
        "ds": "date",
        "source_checksum": "str",
        "rows": "int",
        "recorded_at": "datetime",
    },
    partition_key=None,
    indexes=(("domain", "model_version"),),
)

MODEL_METRICS = TableDef(
    "ops_model_metrics",
    {
        "ds": "date",
        "domain": "str",
        "run_id": "str",
        "model_name": "str",
        "model_version": "str",
        "role": "str",
        "metric": "str",
        "value": "float",
        "recorded_at": "datetime",
    },
    partition_key=None,
    indexes=(("domain", "ds"),),
)

DRIFT = TableDef(
    "ops_drift",
    {
        "ds": "date",
        "domain": "str",
        "model_version": "str",
        "feature": "str",
        "psi": "float",
        "severity": "str",
        "recorded_at": "datetime",
    },
    partition_key=None,
    indexes=(("domain", "ds"),),
)

TASK_RESOURCES = TableDef(
    "ops_task_resources",
    {
        "ds": "date",
        "domain": "str",
        "stage": "str",
        "run_id": "str",
        "status": "str",
        "wall_seconds": "float",
        "cpu_seconds": "float",
        "peak_rss_mb": "float",
        "cost_usd": "float",
        "recorded_at": "datetime",
    },
    partition_key=None,
    indexes=(("domain", "ds"),),
)

# Written by the Airflow listener (plugins/task_listener.py): every task instance however it ended,
# Airflow-level states (skipped, failed before our code ran) included.
TASK_RUNS = TableDef(
    "ops_task_runs",
    {
        "ds": "date",
        "dag_id": "str",
        "task_id": "str",
        "run_id": "str",
        "try_number": "int",
        "map_index": "int",
        "state": "str",
        "started_at": "datetime",
        "ended_at": "datetime",
        "duration_seconds": "float",
        "cpu_seconds": "float",
        "peak_rss_mb": "float",
        "hostname": "str",
        "error": "str",
        "recorded_at": "datetime",
    },
    partition_key=None,
    indexes=(("dag_id", "ds"),),
)

# One row per identifier kind found per place, plus one "scan" row per scan (hits = total found):
# a scan that found nothing still leaves its row, so "was it scanned?" has an answer.
PRIVACY_SCANS = TableDef(
    "ops_privacy_scans",
    {
        "ds": "date",
        "domain": "str",
        "run_id": "str",
        "stage": "str",
        "place": "str",
        "column_name": "str",
        "kind": "str",
        "hits": "int",
        "example": "str",
        "recorded_at": "datetime",
    },
    partition_key=None,
    indexes=(("domain", "ds"),),
)

OPS_TABLES = (AUDIT, LINEAGE, MODEL_METRICS, DRIFT, TASK_RESOURCES, TASK_RUNS, PRIVACY_SCANS)


def utcnow() -> pd.Timestamp:
    """Naive UTC timestamp for record-keeping columns (never for what a run reads or writes)."""
    return pd.Timestamp(datetime.now(UTC)).tz_localize(None)


def audit_frame(
    domain: str,
    action: str,
    ds: str,
    run_id: str,
    source_checksum: str | None = None,
    rows_in: int | None = None,
    rows_out: int | None = None,
    rows_quarantined: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One audit row, to be written in the same transaction as the change it records."""
    return pd.DataFrame(
        [
            {
                "event_at": utcnow(),
                "domain": domain,
                "action": action,
                "ds": ds,
                "run_id": run_id,
                "source_checksum": source_checksum,
                "rows_in": rows_in,
                "rows_out": rows_out,
                "rows_quarantined": rows_quarantined,
                "details": json.dumps(dict(details or {}), default=str),
            }
        ]
    ).astype({"rows_in": "Int64", "rows_out": "Int64", "rows_quarantined": "Int64"})


def record_audit(wh: Warehouse, **kwargs: Any) -> None:
    wh.append(AUDIT, audit_frame(**kwargs))


def record_model_metrics(
    wh: Warehouse,
    domain: str,
    ds: str,
    run_id: str,
    model_name: str,
    model_version: str | None,
    role: str,
    metrics: Mapping[str, float],
) -> None:
    now = utcnow()
    rows = [
        {
            "ds": ds,
            "domain": domain,
            "run_id": run_id,
            "model_name": model_name,
            "model_version": model_version,
            "role": role,
            "metric": k,
            "value": float(v),
            "recorded_at": now,
        }
        for k, v in metrics.items()
    ]
    if rows:
        wh.append(MODEL_METRICS, pd.DataFrame(rows))


def record_drift(wh: Warehouse, domain: str, ds: str, model_version: str, psi: Mapping[str, float]) -> None:
    """Replace the drift rows of (domain, ds, model version), so a re-run does not double them."""
    from domains.core.drift import psi_severity

    now = utcnow()
    frame = pd.DataFrame(
        [
            {
                "ds": ds,
                "domain": domain,
                "model_version": model_version,
                "feature": f,
                "psi": float(v),
                "severity": psi_severity(v),
                "recorded_at": now,
            }
            for f, v in psi.items()
        ]
    )
    wh.replace_rows(
        DRIFT,
        "domain = :d AND ds = :ds AND model_version = :v",
        {"d": domain, "ds": ds, "v": model_version},
        frame,
    )


def record_lineage(
    wh: Warehouse,
    domain: str,
    model_name: str,
    model_version: str,
    mlflow_run_id: str,
    partitions: list[dict[str, Any]],
) -> None:
    """Tie a model version to the exact silver partitions (and their source checksums) it learnt from."""
    now = utcnow()
    frame = pd.DataFrame(
        [
            {
                "domain": domain,
                "model_name": model_name,
                "model_version": model_version,
                "mlflow_run_id": mlflow_run_id,
                "ds": p["ds"],
                "source_checksum": p.get("source_checksum"),
                "rows": int(p["rows"]),
                "recorded_at": now,
            }
            for p in partitions
        ]
    )
    wh.append(LINEAGE, frame)


def record_privacy_scan(
    wh: Warehouse, domain: str, ds: str, run_id: str, stage: str, findings: list[dict[str, Any]]
) -> None:
    """Replace the (domain, ds, stage) scan rows with this scan's findings and its summary row."""
    now = utcnow()
    total = sum(int(f["hits"]) for f in findings)
    rows = [
        {
            "place": f["place"],
            "column_name": f["column"],
            "kind": f["kind"],
            "hits": int(f["hits"]),
            "example": f["example"],
        }
        for f in findings
    ] + [{"place": "*", "column_name": "*", "kind": "scan", "hits": total, "example": ""}]
    frame = pd.DataFrame(rows).assign(ds=ds, domain=domain, run_id=run_id, stage=stage, recorded_at=now)
    wh.replace_rows(
        PRIVACY_SCANS,
        "domain = :d AND ds = :ds AND stage = :s",
        {"d": domain, "ds": ds, "s": stage},
        frame[list(PRIVACY_SCANS.columns)],
    )
