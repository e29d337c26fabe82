"""An Airflow listener that records every task instance's run (start, end, state, duration, CPU and
peak memory, host) in the warehouse's `ops_task_runs`, whatever the task is and however it ends."""

from __future__ import annotations

import functools
import logging
import os
import resource
import socket
import sys
import time
from datetime import UTC, datetime
from typing import Any

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin

log = logging.getLogger("platform.task_listener")
# (dag_id, task_id, run_id, map_index, try_number) -> wall start, CPU seconds at start, start time
_started: dict[tuple[Any, ...], tuple[float, float, datetime]] = {}


def _key(ti: Any) -> tuple[Any, ...]:
    return (ti.dag_id, ti.task_id, ti.run_id, getattr(ti, "map_index", -1), getattr(ti, "try_number", None))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _ds(ti: Any) -> str | None:
    try:
        return ti.get_template_context().get("ds")
    except Exception:  # a TaskInstance outside the task runner has no template context
        logical = getattr(ti, "logical_date", None)
        return logical.strftime("%Y-%m-%d") if logical else None


def _warehouse() -> Any:
    """The warehouse the tasks write to (the Airflow connection if defined, else WAREHOUSE_URL), looked
    up once per configuration, not once per event."""
    return _warehouse_for(os.environ.get("AIRFLOW_CONN_WAREHOUSE"), os.environ.get("WAREHOUSE_URL"))


@functools.cache
def _warehouse_for(_connection: str | None, _url: str | None) -> Any:
    from domains.core.settings import get_settings
    from domains.core.warehouse import Warehouse
    from plugins.dag_factory import warehouse_url

    return Warehouse(warehouse_url() or get_settings().warehouse_url)


def record(ti: Any, state: str, error: Any = None) -> None:
    """Write one ops_task_runs row for `ti` ending in `state`. Never raises: bookkeeping must not fail
    the task it describes."""
    try:
        import pandas as pd

        from domains.core import ops

        now = datetime.now(UTC)
        wall0, cpu0, started = _started.pop(_key(ti), (time.monotonic(), _cpu_seconds(), now))
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        row = {
            "ds": _ds(ti),
            "dag_id": ti.dag_id,
            "task_id": ti.task_id,
            "run_id": ti.run_id,
            "try_number": getattr(ti, "try_number", None),
            "map_index": getattr(ti, "map_index", -1),
            "state": state,
            "started_at": pd.Timestamp(started).tz_convert(None),
            "ended_at": pd.Timestamp(now).tz_convert(None),
            "duration_seconds": round(time.monotonic() - wall0, 3),
            "cpu_seconds": round(_cpu_seconds() - cpu0, 3),
            "peak_rss_mb": round(peak_kb / (1024 if sys.platform != "darwin" else 1024 * 1024), 1),
            "hostname": socket.gethostname(),
            "error": None if error is None else str(error)[:2000],
            "recorded_at": ops.utcnow(),
        }
        _warehouse().append(ops.TASK_RUNS, pd.DataFrame([row]))
    except Exception:
        log.exception(
            "could not record the task run of %s.%s", getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?")
        )


@hookimpl
def on_task_instance_running(previous_state: Any, task_instance: Any) -> None:
    _started[_key(task_instance)] = (time.monotonic(), _cpu_seconds(), datetime.now(UTC))


@hookimpl
def on_task_instance_success(previous_state: Any, task_instance: Any) -> None:
    record(task_instance, "success")


@hookimpl
def on_task_instance_failed(previous_state: Any, task_instance: Any, error: Any) -> None:
    record(task_instance, "failed", error)


@hookimpl
def on_task_instance_skipped(previous_state: Any, task_instance: Any) -> None:
    record(task_instance, "skipped")


class TaskLineageListenerPlugin(AirflowPlugin):
    """Registers this module's hooks as an Airflow listener."""

    name = "analytics_platform_task_runs"
    listeners = [sys.modules[__name__]]  # noqa: RUF012 (Airflow reads the class attribute)
