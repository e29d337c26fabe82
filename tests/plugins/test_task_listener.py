"""The task listener's bookkeeping: one ops_task_runs row per finished task instance, failures with
their error, and never an exception into the task it describes."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from domains.core import ops
from domains.core.pipeline import make_context
from plugins import task_listener


def _ti(task_id: str) -> SimpleNamespace:
    return SimpleNamespace(
        dag_id="fraud_pipeline",
        task_id=task_id,
        run_id="manual__2026-11-19",
        map_index=-1,
        try_number=1,
        logical_date=datetime(2026, 11, 19),
    )


@pytest.fixture(autouse=True)
def _fresh_warehouse_lookup() -> None:
    task_listener._warehouse_for.cache_clear()  # a fresh lookup per test


def test_running_then_finished_tasks_are_recorded(isolated_env: dict[str, str]) -> None:
    task_listener.on_task_instance_running(None, _ti("extract"))
    sum(range(200_000))  # some CPU between start and end
    task_listener.on_task_instance_success(None, _ti("extract"))
    task_listener.on_task_instance_running(None, _ti("transform"))
    task_listener.on_task_instance_failed(None, _ti("transform"), ValueError("bad batch: 12% quarantined"))
    task_listener.on_task_instance_skipped(None, _ti("load"))
    runs = make_context("fraud", "2026-11-19").warehouse.read_table(ops.TASK_RUNS).set_index("task_id")
    assert runs.loc["extract", "state"] == "success" and runs.loc["extract", "ds"] == "2026-11-19"
    assert runs.loc["extract", "duration_seconds"] >= 0 and runs.loc["extract", "peak_rss_mb"] > 0
    assert runs.loc["transform", "state"] == "failed"
    assert runs.loc["transform", "error"] == "bad batch: 12% quarantined"
    assert runs.loc["load", "state"] == "skipped" and task_listener._started == {}


def test_a_broken_warehouse_never_fails_the_task(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://nobody@127.0.0.1:9/none")
    task_listener.on_task_instance_success(None, _ti("train"))  # must not raise
    assert "could not record the task run of fraud_pipeline.train" in caplog.text
