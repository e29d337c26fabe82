"""End to end through Airflow: dag.test() of healthcare_pipeline on SQLite and a fresh PostgreSQL,
twice for the same date; afterwards no table anywhere in the warehouse holds PHI."""

from __future__ import annotations

import pytest

from domains.healthcare.etl import LOADED
from domains.healthcare.schema import GOLD_FAIRNESS, GOLD_MODEL
from tests.domains.privacy_e2e import dag_twice_then_scan

pytestmark = pytest.mark.airflow


def test_dag_succeeds_reruns_identically_and_leaves_no_identifiers(pipeline_env) -> None:
    dag_twice_then_scan(
        "healthcare", (*LOADED.values(), GOLD_MODEL, GOLD_FAIRNESS), "patient_name", history=True
    )
