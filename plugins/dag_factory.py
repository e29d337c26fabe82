"""Builds a domain's extract → transform → load → train → validate → health_check DAG from its spec."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, CronDataIntervalTimetable, chain

from domains.core.errors import PermanentError
from domains.core.registry import get_spec
from domains.core.spec import STAGES
from plugins.callbacks import on_task_failure

START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")
_STAGE_DOCS = {
    "extract": "Read the source for the logical date into immutable bronze Parquet, with its checksum.",
    "transform": "Validate and clean; each row to silver or to quarantine with its rule; batch expectations.",
    "load": "Replace the date's silver, gold and quarantine partition in one transaction (COPY).",
    "train": "Fit the model on the warehouse window, log to MLflow, register as challenger.",
    "validate": "Promote only if the challenger beats the baseline and the champion; drift and monitoring.",
    "health_check": "Make the API reload the champion and answer /health, or score it in-process.",
}


def warehouse_url() -> str | None:
    """The `warehouse` Airflow connection when one is defined; otherwise None, so WAREHOUSE_URL applies."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    try:
        return PostgresHook(postgres_conn_id="warehouse").sqlalchemy_url.render_as_string(hide_password=False)
    except Exception as exc:  # AirflowNotFoundException when the connection does not exist
        if "isn't defined" in str(exc) or "not found" in str(exc).lower() or "NotFound" in type(exc).__name__:
            return None
        raise


def logical_ds(context: dict[str, Any]) -> str:
    """The partition a run works on: its logical date (the start of the interval it covers)."""
    when = context.get("logical_date") or context.get("data_interval_start") or context["dag_run"].run_after
    return when.date().isoformat()


def run_stage_task(domain: str, stage: str, **context: Any) -> dict[str, Any]:
    """Task body: pull upstream metadata from XCom, run the stage, push its (small) metadata back."""
    from domains.core.pipeline import run_stage

    ti = context["ti"]
    upstream = {}
    for previous in STAGES[: STAGES.index(stage)]:
        value = ti.xcom_pull(task_ids=previous)
        if value:
            upstream[previous] = value
    try:
        return run_stage(
            domain,
            stage,
            logical_ds(context),
            run_id=context["run_id"],
            upstream=upstream,
            warehouse_url=warehouse_url(),
        )
    except PermanentError as exc:
        # Bad data or nothing to serve: the same inputs fail again, so skip the retries.
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc


def build_dag(domain: str) -> DAG:
    """One DAG per domain, identical in shape; only the spec differs."""
    spec = get_spec(domain)
    default_args = {
        "owner": spec.owner,
        "retries": 2,
        # PIPELINE_RETRY_DELAY_SECONDS shortens the wait in tests; production keeps the default.
        "retry_delay": timedelta(seconds=float(os.environ.get("PIPELINE_RETRY_DELAY_SECONDS", "60"))),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=20),
        "on_failure_callback": on_task_failure,
        "execution_timeout": timedelta(hours=2),
    }
    with DAG(
        dag_id=spec.dag_id,
        description=f"{spec.name}: {spec.description}",
        schedule=CronDataIntervalTimetable(spec.schedule, timezone="UTC"),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=default_args,
        tags=["analytics", *spec.tags],
        doc_md=(
            f"### {spec.dag_id}\n{spec.description}.\n\n"
            f"Model: `{spec.model_kind}` (registered as `{spec.registered_model_name}`), "
            f"gate metric `{spec.gate.metric}` vs baseline `{spec.baseline}`. "
            f"API on port {spec.api_port}.\n\n"
            f"Each run processes the partition of its logical date. Re-running a date replaces it."
        ),
    ) as dag:
        tasks = [
            PythonOperator(
                task_id=stage,
                python_callable=run_stage_task,
                op_kwargs={"domain": domain, "stage": stage},
                doc_md=_STAGE_DOCS[stage],
            )
            for stage in STAGES
        ]
        chain(*tasks)
    return dag
