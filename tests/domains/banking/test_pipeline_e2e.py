"""End to end through Airflow: dag.test() of banking_pipeline on SQLite and a fresh PostgreSQL, twice
for the same date, with identical row counts in every layer."""

from __future__ import annotations

import pytest

from domains.banking.etl import LOADED
from domains.banking.schema import ALERTS, GOLD_ACCOUNT_ANOMALY, GOLD_AML_VOLUME, GOLD_CREDIT
from domains.core import ops, promotion
from domains.core.pipeline import make_context, run_pipeline
from domains.core.spec import STAGES
from tests.conftest import run_dag

pytestmark = pytest.mark.airflow
HISTORY, DAY = ("2026-11-17", "2026-11-18"), "2026-11-19"
TABLES = (*LOADED.values(), GOLD_CREDIT, GOLD_AML_VOLUME, GOLD_ACCOUNT_ANOMALY)


def _counts() -> dict[str, int]:
    wh = make_context("banking", DAY).warehouse
    return {t.name: wh.count(t, DAY) for t in TABLES}


def test_dag_succeeds_and_reruns_identically(pipeline_env) -> None:
    for day in HISTORY:
        run_pipeline("banking", day, stages=("extract", "transform", "load"))
    first = run_dag("banking_pipeline", DAY)
    assert first.state == "success", {ti.task_id: ti.state for ti in first.get_task_instances()}
    counts = _counts()
    assert all(n > 0 for n in counts.values()), counts
    assert promotion.current_champion(make_context("banking", DAY)) is not None
    wh = make_context("banking", DAY).warehouse
    assert wh.count(ALERTS, DAY) == counts[ALERTS.name]
    # The task listener recorded every task instance of the run with its duration and resources.
    runs = wh.read_table(ops.TASK_RUNS, where="dag_id = 'banking_pipeline' AND ds = :d", params={"d": DAY})
    assert sorted(runs["task_id"]) == sorted(STAGES) and set(runs["state"]) == {"success"}
    assert (runs["duration_seconds"] > 0).all() and (runs["ended_at"] >= runs["started_at"]).all()
    assert (runs["peak_rss_mb"] > 0).all()

    second = run_dag("banking_pipeline", DAY)
    assert second.state == "success"
    assert _counts() == counts
    assert wh.count(ops.TASK_RUNS) == 2 * len(STAGES)
