"""End to end through Airflow: dag.test() of healthcare_pipeline and hr_pipeline on SQLite and a fresh
PostgreSQL, twice for the same date; afterwards no table anywhere in the warehouse holds PHI or PII."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from domains.core import privacy, promotion
from domains.core.bronze import latest_bronze, read_bronze
from domains.core.pipeline import make_context, run_pipeline
from domains.healthcare.etl import LOADED as HEALTHCARE_LOADED
from domains.healthcare.schema import GOLD_FAIRNESS, GOLD_MODEL
from domains.hr.etl import LOADED as HR_LOADED
from domains.hr.schema import GOLD_MODEL as HR_GOLD_MODEL
from tests.conftest import run_dag

pytestmark = pytest.mark.airflow
HISTORY_DAYS, DAY = ("2026-11-17", "2026-11-18"), "2026-11-19"
CASES = {
    "healthcare": ((*HEALTHCARE_LOADED.values(), GOLD_MODEL, GOLD_FAIRNESS), "patient_name"),
    "hr": ((*HR_LOADED.values(), HR_GOLD_MODEL), "EmployeeName"),
}


def _layer_counts(domain: str) -> dict[str, int]:
    wh = make_context(domain, DAY).warehouse
    return {t.name: wh.count(t, DAY) for t in CASES[domain][0]}


def _scan_whole_warehouse(domain: str) -> privacy.PhiScanner:
    """Every table of the warehouse, every row, with the raw names of every extract loaded."""
    ctx = make_context(domain, DAY)
    names: set[str] = set()
    for day in (*HISTORY_DAYS, DAY):
        part = latest_bronze(ctx.data_dir, domain, day)
        if part is not None:
            names |= privacy.name_words(read_bronze(part).to_pandas()[CASES[domain][1]])
    scanner = privacy.PhiScanner(known_names=frozenset(names))
    engine = ctx.warehouse.engine
    for table in sa.inspect(engine).get_table_names():
        with engine.connect() as conn:
            frame = conn.execute(sa.text(f'SELECT * FROM "{table}"')).mappings().all()
        scanner.scan_frame(table, pd.DataFrame(frame))
    return scanner


@pytest.mark.parametrize("domain", ["healthcare", "hr"])
def test_dag_succeeds_reruns_identically_and_leaves_no_identifiers(pipeline_env, domain: str) -> None:
    if domain == "healthcare":
        for day in HISTORY_DAYS:
            run_pipeline(domain, day, stages=("extract", "transform", "load"))
    first = run_dag(f"{domain}_pipeline", DAY)
    states = {ti.task_id: ti.state for ti in first.get_task_instances()}
    assert first.state == "success", states
    counts = _layer_counts(domain)
    assert counts[f"{domain}_quarantine"] > 0 and all(n > 0 for n in counts.values())
    assert promotion.current_champion(make_context(domain, DAY)) is not None

    second = run_dag(f"{domain}_pipeline", DAY)
    assert second.state == "success"
    assert _layer_counts(domain) == counts

    scanner = _scan_whole_warehouse(domain)
    assert scanner.clean, scanner.summary()
