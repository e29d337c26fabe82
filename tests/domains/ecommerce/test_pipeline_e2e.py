"""End to end through Airflow: dag.test() of ecommerce_pipeline on SQLite and a fresh PostgreSQL, twice."""

from __future__ import annotations

import pytest

from domains.core import promotion
from domains.core.pipeline import make_context
from domains.ecommerce.etl import LOADED
from domains.ecommerce.schema import GOLD_VALUE, QUARANTINE
from tests.conftest import ECOMMERCE_HISTORY_DAYS, load_history, run_dag

pytestmark = pytest.mark.airflow
DAY = "2026-11-20"


def _layer_counts() -> dict[str, int]:
    wh = make_context("ecommerce", DAY).warehouse
    return {t.name: wh.count(t, DAY) for t in (*LOADED.values(), GOLD_VALUE)}


def test_ecommerce_dag_succeeds_and_a_rerun_leaves_the_same_warehouse(pipeline_env) -> None:
    load_history("ecommerce", "2026-11-19", ECOMMERCE_HISTORY_DAYS - 1)

    first = run_dag("ecommerce_pipeline", DAY)
    states = {ti.task_id: ti.state for ti in first.get_task_instances()}
    assert first.state == "success", states
    counts = _layer_counts()
    assert counts["ecommerce_gold_daily"] == 1 and counts["ecommerce_gold_segments"] == 7
    assert counts["ecommerce_gold_rfm"] > 1000 and counts["ecommerce_gold_predicted_value"] >= 5
    assert promotion.current_champion(make_context("ecommerce", DAY)) is not None

    second = run_dag("ecommerce_pipeline", DAY)
    assert second.state == "success"
    assert _layer_counts() == counts
    quarantine = make_context("ecommerce", DAY).warehouse.read_table(
        QUARANTINE, where="ds = :ds", params={"ds": DAY}
    )
    assert quarantine["rule"].notna().all()
