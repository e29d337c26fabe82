"""End to end through Airflow: dag.test() of financial_pipeline on SQLite and a fresh PostgreSQL, twice
for the same date, with identical layer row counts."""

from __future__ import annotations

import pytest

from domains.core import promotion
from domains.core.pipeline import make_context
from domains.financial.etl import LOADED
from domains.financial.schema import FORECASTS, GOLD_TRACKING
from tests.conftest import run_dag

pytestmark = pytest.mark.airflow
DAY = "2026-11-19"


def _counts() -> dict[str, int]:
    wh = make_context("financial", DAY).warehouse
    return {t.name: wh.count(t, DAY) for t in (*LOADED.values(), FORECASTS, GOLD_TRACKING)}


def test_dag_succeeds_twice_with_identical_layers(pipeline_env) -> None:
    first = run_dag("financial_pipeline", DAY)
    states = {ti.task_id: ti.state for ti in first.get_task_instances()}
    assert first.state == "success", states
    counts = _counts()
    assert counts["financial_silver_prices"] > 20_000 and counts["financial_quarantine"] > 0
    assert counts["financial_gold_forecasts"] == 8
    assert promotion.current_champion(make_context("financial", DAY)) is not None

    second = run_dag("financial_pipeline", DAY)
    assert second.state == "success"
    assert _counts() == counts
