"""End to end through Airflow: dag.test() of hr_pipeline on SQLite and a fresh PostgreSQL, twice for
the same date; afterwards no table anywhere in the warehouse holds PII."""

from __future__ import annotations

import pytest

from domains.hr.etl import LOADED
from domains.hr.schema import GOLD_MODEL
from tests.domains.privacy_e2e import dag_twice_then_scan

pytestmark = pytest.mark.airflow


def test_dag_succeeds_reruns_identically_and_leaves_no_identifiers(pipeline_env) -> None:
    dag_twice_then_scan("hr", (*LOADED.values(), GOLD_MODEL), "EmployeeName", history=False)
