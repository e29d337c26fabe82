"""Latest data-quality, reconciliation, drift and model-metric state of a domain, read from ops tables.

One reader for the API's /monitoring/quality and for validate_production.py, so both tell the same story.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from domains.core.ops import AUDIT, DRIFT, MODEL_METRICS
from domains.core.quality import DQ_RESULTS
from domains.core.warehouse import TableDef, Warehouse


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


def _latest(wh: Warehouse, table: TableDef, domain: str, sql: str) -> pd.DataFrame | None:
    """Rows of `sql` (with :d bound to the domain); None when the table or the rows do not exist yet."""
    if not wh.has_table(table.name):
        return None
    rows = wh.read_sql(sql, {"d": domain})
    return None if rows.empty else rows


def data_quality(wh: Warehouse, domain: str) -> dict[str, Any] | None:
    """The latest expectation-suite run: when, on which date, what passed and what failed."""
    latest = _latest(
        wh,
        DQ_RESULTS,
        domain,
        f"SELECT ds, run_id, suite, expectation, column_name, success, observed FROM {DQ_RESULTS.name} "
        f"WHERE domain = :d AND run_id = (SELECT run_id FROM {DQ_RESULTS.name} WHERE domain = :d "
        "ORDER BY checked_at DESC LIMIT 1)",
    )
    if latest is None:
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
    rows = _latest(
        wh,
        AUDIT,
        domain,
        f"SELECT ds, run_id, source_checksum, rows_in, rows_out, rows_quarantined, event_at "
        f"FROM {AUDIT.name} WHERE domain = :d AND action = 'load' ORDER BY event_at DESC LIMIT 1",
    )
    if rows is None:
        return None
    row = _records(rows)[0]
    unreconciled = (row["rows_in"] or 0) - (row["rows_out"] or 0) - (row["rows_quarantined"] or 0)
    return {**row, "unreconciled_rows": int(unreconciled), "reconciled": unreconciled == 0}


def drift(wh: Warehouse, domain: str) -> dict[str, Any] | None:
    """PSI per feature on the latest monitored date, worst first."""
    rows = _latest(
        wh,
        DRIFT,
        domain,
        f"SELECT ds, model_version, feature, psi, severity FROM {DRIFT.name} WHERE domain = :d "
        f"AND ds = (SELECT MAX(ds) FROM {DRIFT.name} WHERE domain = :d) ORDER BY psi DESC",
    )
    if rows is None:
        return None
    return {
        "ds": _clean(rows["ds"].iloc[0]),
        "model_version": rows["model_version"].iloc[0],
        "max_psi": _clean(float(rows["psi"].max())),
        "features": _records(rows[["feature", "psi", "severity"]]),
    }


def model_metrics(wh: Warehouse, domain: str) -> dict[str, Any] | None:
    """Metrics recorded by the latest run that trained or judged a model, per role."""
    rows = _latest(
        wh,
        MODEL_METRICS,
        domain,
        f"SELECT ds, run_id, model_version, role, metric, value FROM {MODEL_METRICS.name} "
        f"WHERE domain = :d AND run_id = (SELECT run_id FROM {MODEL_METRICS.name} WHERE domain = :d "
        "ORDER BY recorded_at DESC LIMIT 1)",
    )
    if rows is None:
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
