"""Failure alerts for Airflow tasks: a structured log line, and a webhook post when configured."""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("platform.alerts")


def build_alert(context: dict[str, Any]) -> dict[str, Any]:
    """The alert as data: what failed, where, on which try, and why."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    logical = context.get("logical_date")
    return {
        "event": "task_failed",
        "severity": "error",
        "dag_id": getattr(ti, "dag_id", None) or getattr(dag_run, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": context.get("run_id") or getattr(dag_run, "run_id", None),
        "logical_date": logical.isoformat() if logical else None,
        "try_number": getattr(ti, "try_number", None),
        "exception": str(context.get("exception"))[:2000] if context.get("exception") else None,
        "alerted_at": datetime.now(UTC).isoformat(),
    }


def on_task_failure(context: dict[str, Any]) -> None:
    """Log the alert as JSON; post it to ALERT_WEBHOOK_URL if set. Never raises."""
    alert = build_alert(context)
    log.error(json.dumps(alert, default=str))
    url = os.environ.get("ALERT_WEBHOOK_URL")
    if not url:
        return
    body = json.dumps({"text": f"{alert['dag_id']}.{alert['task_id']} failed: {alert['exception']}", **alert})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            log.info("alert posted to webhook: HTTP %s", response.status)
    except Exception as exc:  # a broken webhook must not hide the original failure
        log.warning("could not post alert to ALERT_WEBHOOK_URL: %s", exc)
