"""End to end through Airflow: dag.test() of restaurant_pipeline on SQLite and a fresh PostgreSQL."""

from __future__ import annotations

import pytest

from domains.core import promotion
from domains.core.ops import AUDIT
from domains.core.pipeline import make_context, run_pipeline
from domains.restaurant.etl import LOADED
from domains.restaurant.schema import GOLD_MODEL, QUARANTINE
from tests.conftest import run_dag

pytestmark = pytest.mark.airflow
HISTORY_DAY, DAY = "2026-11-19", "2026-11-20"


def _layer_counts() -> dict[str, int]:
    wh = make_context("restaurant", DAY).warehouse
    return {t.name: wh.count(t, DAY) for t in (*LOADED.values(), GOLD_MODEL)}


def test_restaurant_dag_succeeds_and_a_rerun_leaves_the_same_warehouse(pipeline_env) -> None:
    run_pipeline("restaurant", HISTORY_DAY, stages=("extract", "transform", "load"))

    first = run_dag("restaurant_pipeline", DAY)
    states = {ti.task_id: ti.state for ti in first.get_task_instances()}
    assert first.state == "success", states
    counts = _layer_counts()
    bronze = make_context("restaurant", DAY)
    assert counts["restaurant_silver_reviews"] + counts["restaurant_quarantine"] >= 2000  # + any burst
    assert counts["restaurant_gold_daily"] == 1 and counts["restaurant_gold_model_daily"] == 1
    assert counts["restaurant_silver_businesses"] == 400 and counts["restaurant_gold_city_daily"] == 8
    assert promotion.current_champion(bronze) is not None

    second = run_dag("restaurant_pipeline", DAY)
    assert second.state == "success"
    assert _layer_counts() == counts

    wh = bronze.warehouse
    loads = wh.read_table(
        AUDIT, where="domain = 'restaurant' AND action = 'load' AND ds = :ds", params={"ds": DAY}
    )
    assert len(loads) == 2 and (loads["rows_out"] + loads["rows_quarantined"] == loads["rows_in"]).all()
    quarantine = wh.read_table(QUARANTINE, where="ds = :ds", params={"ds": DAY})
    assert quarantine["rule"].notna().all() and quarantine["record"].str.startswith("{").all()
