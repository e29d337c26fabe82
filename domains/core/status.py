"""Latest data-quality, reconciliation, drift and model-metric state of a domain, read from ops tables.

One reader for the API's /monitoring/quality and for validate_production.py, so both tell the same story.
"""

from __future__ import annotations

import json
import math
from typing import Any

from domains.core.ops import AUDIT, DRIFT, MODEL_METRICS
from domains.core.quality import DQ_RESULTS
from domains.core.warehouse import Warehouse


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return _clean(value.item())
    return value


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def data_quality(wh: Warehouse, domain: str) -> dict[str, Any] | None:
    """The latest expectation-suite run: when, on which date, what passed and what failed."""
    if not wh.has_table(DQ_RESULTS.name):
        return None
    latest = wh.read_sql(
        f"SELECT ds, run_id, suite, expectation, column_name, success, observed FROM {DQ_RESULTS.name} "
        f"WHERE domain = :d AND run_id = (SELECT run_id FROM {DQ_RESULTS.name} WHERE domain = :d "
        "ORDER BY checked_at DESC LIMIT 1)",
        {"d": domain},
    )
    if latest.empty:
        return None
    ok = latest["success"].astype(bool)
    failed = latest.loc[~ok, ["expectation", "column_name", "observed"]]
    return {
        "ds": _clean(latest["ds"].iloc[0]),
        "run_id": latest["run_id"].iloc[0],
        "suite": latest["suite"].iloc[0],
        "expectations": len(latest),
        "passed": int(ok.sum()),
        "success": bool(ok.all()),
        "failed": [{**f, "observed": parse_observed(f["observed"])} for f in _records(failed)],
    }


def reconciliation(wh: Warehouse, domain: str) -> dict[str, Any] | None:
    """The latest load's row accounting: bronze rows must equal silver plus quarantined rows."""
    if not wh.has_table(AUDIT.name):
        return None
    rows = wh.read_sql(
        f"SELECT ds, run_id, source_checksum, rows_in, rows_out, rows_quarantined, event_at "
        f"FROM {AUDIT.name} WHERE domain = :d AND action = 'load' ORDER BY event_at DESC LIMIT 1",
        {"d": domain},
    )
    if rows.empty:
        return None
    row = _records(rows)[0]
    unreconciled = (row["rows_in"] or 0) - (row["rows_out"] or 0) - (row["rows_quarantined"] or 0)
    return {**row, "unreconciled_rows": int(unreconciled), "reconciled": unreconciled == 0}


def drift(wh: Warehouse, domain: str) -> dict[str, Any] | None:
    """PSI per feature on the latest monitored date, worst first."""
    if not wh.has_table(DRIFT.name):
        return None
    rows = wh.read_sql(
        f"SELECT ds, model_version, feature, psi, severity FROM {DRIFT.name} WHERE domain = :d "
        f"AND ds = (SELECT MAX(ds) FROM {DRIFT.name} WHERE domain = :d) ORDER BY psi DESC",
        {"d": domain},
    )
    if rows.empty:
        return None
    return {
        "ds": _clean(rows["ds"].iloc[0]),
        "model_version": rows["model_version"].iloc[0],
        "max_psi": _clean(float(rows["psi"].max())),
        "features": _records(rows[["feature", "psi", "severity"]]),
    }


def model_metrics(wh: Warehouse, domain: str) -> dict[str, Any] | None:
    """Metrics recorded by the latest run that trained or judged a model, per role."""
    if not wh.has_table(MODEL_METRICS.name):
        return None
    rows = wh.read_sql(
        f"SELECT ds, run_id, model_version, role, metric, value FROM {MODEL_METRICS.name} "
        f"WHERE domain = :d AND run_id = (SELECT run_id FROM {MODEL_METRICS.name} WHERE domain = :d "
        "ORDER BY recorded_at DESC LIMIT 1)",
        {"d": domain},
    )
    if rows.empty:
        return None
    roles: dict[str, Any] = {}
    for r in _records(rows):
        entry = roles.setdefault(r["role"], {"model_version": r["model_version"], "metrics": {}})
        entry["metrics"][r["metric"]] = r["value"]
    return {"ds": _clean(rows["ds"].iloc[0]), "run_id": rows["run_id"].iloc[0], "roles": roles}


def latest_status(wh: Warehouse, domain: str) -> dict[str, Any]:
    """Everything above in one JSON-ready dict; a section is null when nothing was recorded yet."""
    return {
        "domain": domain,
        "data_quality": data_quality(wh, domain),
        "reconciliation": reconciliation(wh, domain),
        "drift": drift(wh, domain),
        "model_metrics": model_metrics(wh, domain),
    }


def parse_observed(value: Any) -> Any:
    """`observed` is stored as JSON text; decode it for display."""
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value
