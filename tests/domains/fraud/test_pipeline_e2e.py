"""End to end through Airflow: dag.test() of fraud_pipeline on SQLite and on a fresh PostgreSQL database."""

from __future__ import annotations

import pytest

from domains.core.pipeline import make_context, run_pipeline
from domains.fraud.schema import GOLD_CATEGORY, GOLD_DAILY, GOLD_RISK, QUARANTINE, SILVER
from tests.conftest import run_dag

pytestmark = pytest.mark.airflow
HISTORY_DAY, DAY = "2026-11-19", "2026-11-20"


def _layer_counts() -> dict[str, int]:
    wh = make_context("fraud", DAY).warehouse
    return {t.name: wh.count(t, DAY) for t in (SILVER, QUARANTINE, GOLD_DAILY, GOLD_CATEGORY, GOLD_RISK)}


def test_fraud_dag_succeeds_and_a_rerun_leaves_the_same_warehouse(pipeline_env) -> None:
    # The day before is loaded as history (features look back 24h), as a backfill would.
    run_pipeline("fraud", HISTORY_DAY, stages=("extract", "transform", "load"))

    first = run_dag("fraud_pipeline", DAY)
    states = {ti.task_id: ti.state for ti in first.get_task_instances()}
    assert first.state == "success", states
    counts = _layer_counts()
    assert counts["fraud_silver_transactions"] + counts["fraud_quarantine"] == 30_000
    assert counts["fraud_gold_daily"] == 1 and counts["fraud_gold_risk_daily"] == 1

    second = run_dag("fraud_pipeline", DAY)
    assert second.state == "success"
    assert _layer_counts() == counts

    quarantine = make_context("fraud", DAY).warehouse.read_table(QUARANTINE)
    assert quarantine["rule"].notna().all() and quarantine["record"].str.startswith("{").all()
