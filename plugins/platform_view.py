"""An "Analytics platform" page inside the Airflow UI (Airflow 3 plugin: a FastAPI app mounted in the
API server plus a navigation link): per domain the champion model, the last DAG run, the latest
data-quality run, API health, and the readiness report `validate_production.py` last wrote."""

from __future__ import annotations

import asyncio
import html
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

from airflow.plugins_manager import AirflowPlugin
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

URL_PREFIX = "/platform"
READINESS_REPORT = Path(__file__).resolve().parents[1] / "var" / "reports" / "readiness.json"

app = FastAPI(title="Analytics platform status", docs_url=None, redoc_url=None, openapi_url=None)


def _champion(settings: Any, spec: Any) -> str | None:
    from domains.core import model_store

    try:
        ref = model_store.get_alias(settings, spec.registered_model_name, model_store.CHAMPION)
    except Exception as exc:  # an unreachable registry is shown, not raised
        return f"error: {type(exc).__name__}"
    return ref.version if ref else None


def _last_runs() -> dict[str, dict[str, Any]]:
    """The latest run of every DAG from Airflow's metadata database (the API server's own session)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        latest = select(DagRun.dag_id, func.max(DagRun.id).label("id")).group_by(DagRun.dag_id).subquery()
        rows = session.execute(
            select(DagRun.dag_id, DagRun.state, DagRun.logical_date, DagRun.end_date).join(
                latest, DagRun.id == latest.c.id
            )
        ).all()
    return {
        r.dag_id: {
            "state": str(r.state),
            "logical_date": r.logical_date.isoformat() if r.logical_date else None,
            "ended": r.end_date.isoformat() if r.end_date else None,
        }
        for r in rows
    }


def _api_health(spec: Any) -> dict[str, Any]:
    import httpx

    from domains.core.health import spec_api_url

    url = spec_api_url(spec)
    try:
        body = httpx.get(f"{url}/health", timeout=1.5).json()
        return {"url": url, "status": body.get("status"), "model_version": body.get("model_version")}
    except Exception as exc:
        return {"url": url, "status": f"unreachable ({type(exc).__name__})", "model_version": None}


def _readiness() -> dict[str, Any]:
    if not READINESS_REPORT.is_file():
        return {}
    report = json.loads(READINESS_REPORT.read_text())
    return {
        d["domain"]: {"ready": d["ready"], "score": d["score"], "checked_at": report.get("checked_at")}
        for d in report.get("domains", [])
    }


def platform_status() -> list[dict[str, Any]]:
    """One row per registered domain; every part degrades to a message instead of failing the page."""
    from domains.core.registry import DOMAINS
    from domains.core.settings import get_settings
    from domains.core.status import data_quality
    from domains.core.warehouse import Warehouse

    settings = get_settings()
    warehouse = Warehouse(settings.warehouse_url)
    runs, readiness = _last_runs(), _readiness()
    # A stopped API costs its whole timeout: probe the seven at once, not one after another.
    with ThreadPoolExecutor(max_workers=len(DOMAINS)) as pool:
        health = dict(zip(DOMAINS, pool.map(_api_health, DOMAINS.values()), strict=True))
    rows = []
    for spec in DOMAINS.values():
        try:
            dq = data_quality(warehouse, spec.name)
        except Exception as exc:
            dq = {"success": None, "error": type(exc).__name__}
        rows.append(
            {
                "domain": spec.name,
                "dag_id": spec.dag_id,
                "schedule": spec.schedule,
                "champion": _champion(settings, spec),
                "last_run": runs.get(spec.dag_id),
                "data_quality": None
                if dq is None
                else {k: dq.get(k) for k in ("ds", "passed", "expectations", "success")},
                "api": health[spec.name],
                "readiness": readiness.get(spec.name),
            }
        )
    return rows


def _cell(value: Any) -> str:
    return html.escape("—" if value in (None, "") else str(value))


def render(rows: list[dict[str, Any]]) -> str:
    body = []
    for r in rows:
        run, dq, api, ready = r["last_run"] or {}, r["data_quality"] or {}, r["api"], r["readiness"] or {}
        quality = f"{dq.get('passed')}/{dq.get('expectations')} on {dq.get('ds')}" if dq else None
        verdict = f"{'ready' if ready['ready'] else 'not ready'} ({ready['score']}/100)" if ready else None
        dq_class = "success" if dq.get("success") else "failed" if dq else ""
        api_class = "success" if api["status"] == "ok" else "failed"
        champion = f"v{r['champion']}" if r["champion"] else None
        body.append(
            "<tr>"
            f"<td><b>{_cell(r['domain'])}</b><br><small>{_cell(r['schedule'])}</small></td>"
            f"<td>{_cell(champion)}</td>"
            f"<td class='{_cell(run.get('state'))}'>{_cell(run.get('state'))}"
            f"<br><small>{_cell(run.get('logical_date'))}</small></td>"
            f"<td class='{dq_class}'>{_cell(quality)}</td>"
            f"<td class='{api_class}'>{_cell(api['status'])}<br><small>{_cell(api['url'])}</small></td>"
            f"<td>{_cell(verdict)}</td>"
            "</tr>"
        )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Analytics platform</title>
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem}}table{{border-collapse:collapse;width:100%}}
td,th{{border-bottom:1px solid #ddd;padding:.5rem;text-align:left;vertical-align:top}}
.success{{color:#17803d}}.failed{{color:#b42318}}small{{color:#666}}</style></head><body>
<h2>Analytics platform</h2>
<p>Champion models, last runs, data quality, API health and readiness per domain.
Readiness comes from the last <code>python validate_production.py</code>;
JSON at <a href="status.json">status.json</a>.</p>
<table><thead><tr><th>domain</th><th>champion</th><th>last run</th><th>data quality</th><th>API</th>
<th>readiness</th></tr></thead><tbody>{"".join(body)}</tbody></table></body></html>"""


@app.get("/", response_class=HTMLResponse)
async def page() -> HTMLResponse:
    return HTMLResponse(render(await asyncio.to_thread(platform_status)))


@app.get("/status.json")
async def status() -> list[dict[str, Any]]:
    return await asyncio.to_thread(platform_status)


class PlatformViewPlugin(AirflowPlugin):
    """Mounts the page at /platform and adds "Analytics platform" to the UI's Browse menu."""

    name = "analytics_platform"
    fastapi_apps: ClassVar[list[dict[str, Any]]] = [
        {"app": app, "url_prefix": URL_PREFIX, "name": "Analytics platform status"}
    ]
    external_views: ClassVar[list[dict[str, str]]] = [
        {
            "name": "Analytics platform",
            "href": "platform/",
            "destination": "nav",
            "category": "browse",
            "url_route": "analytics-platform",
        }
    ]
