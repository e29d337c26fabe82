"""Shared fixtures: a throw-away Airflow home, isolated platform storage, fresh PostgreSQL databases."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Airflow reads its configuration at import: point it at a private home before anything imports it.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="airflow-home-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
        "PIPELINE_RETRY_DELAY_SECONDS": "1",
        "GX_ANALYTICS_ENABLED": "False",
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
        # A developer's .env (e.g. the secrets `make run` generates) must not leak into tests.
        "PLATFORM_ENV_FILE": "",
    }
)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def platform_env(base: Path, warehouse_url: str | None = None, rows_per_day: int = 30_000) -> dict[str, str]:
    """Environment for one isolated platform: its own data dir, warehouse and MLflow store."""
    base.mkdir(parents=True, exist_ok=True)
    return {
        "APP_ENV": "test",
        "DATA_DIR": str(base / "data"),
        "WAREHOUSE_URL": warehouse_url or f"sqlite:///{base / 'warehouse.db'}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{base / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_ROOT": str(base / "mlartifacts"),
        "FRAUD_ROWS_PER_DAY": str(rows_per_day),
        "FRAUD_SOURCE": "synthetic",
        "LOG_FORMAT": "text",
        "RESTAURANT_ROWS_PER_DAY": "2000",
        "RESTAURANT_SOURCE": "synthetic",
        # No API runs in tests unless a test starts one: make sure nothing else answers.
        "FRAUD_API_URL": "http://127.0.0.1:9",
        "RESTAURANT_API_URL": "http://127.0.0.1:9",
        # E-commerce trains on spend over the horizon after four calibration weeks: a short horizon
        # keeps the history a test must load to ~5 weeks.
        "ECOMMERCE_HORIZON_DAYS": "7",
        "ECOMMERCE_SOURCE": "synthetic",
        "ECOMMERCE_API_URL": "http://127.0.0.1:9",
        "HEALTHCARE_ROWS_PER_DAY": "3000",
        "HEALTHCARE_SOURCE": "synthetic",
        "HEALTHCARE_API_URL": "http://127.0.0.1:9",
        "HR_ROWS_PER_DAY": "2000",
        "HR_SOURCE": "synthetic",
        "HR_API_URL": "http://127.0.0.1:9",
        # Eight tickers from 2014: the whole walk-forward trains in seconds on two cores.
        "FINANCIAL_TICKERS": "8",
        "FINANCIAL_SOURCE": "synthetic",
        "FINANCIAL_API_URL": "http://127.0.0.1:9",
        # 20k transactions a day (a sixth of the default) and 1,500 loan applications: three days give
        # the credit model 4,500 applications and the AML rules a 24-hour history.
        "BANKING_ROWS_PER_DAY": "20000",
        "BANKING_APPLICATIONS_PER_DAY": "1500",
        "BANKING_SOURCE": "synthetic",
        "BANKING_API_URL": "http://127.0.0.1:9",
    }


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh SQLite-backed platform for one test."""
    env = platform_env(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def _admin_url(url: str, database: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{database}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server under test; fails loudly (not skips) when it is not reachable."""
    import sqlalchemy as sa

    from domains.core.warehouse import normalise_url

    engine = sa.create_engine(normalise_url(TEST_DATABASE_URL))
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at TEST_DATABASE_URL={TEST_DATABASE_URL} is not reachable: {exc}")
    finally:
        engine.dispose()
    return TEST_DATABASE_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A brand-new database for one test, dropped afterwards."""
    import sqlalchemy as sa

    from domains.core.warehouse import dispose_engines, normalise_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalise_url(postgres_server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield _admin_url(postgres_server, name)
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Migrate the throw-away Airflow metadata database once per session."""
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return _AIRFLOW_HOME


# A fraud platform trained once per session (two days of synthetic data), shared by model, API
# and readiness tests.
TRAIN_DAYS = ("2026-11-18", "2026-11-19")


@contextmanager
def patched_env(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _trained(tmp_path_factory: pytest.TempPathFactory, domain: str, history_days: int = 1) -> dict[str, Any]:
    """A platform for `domain`: `history_days` of ETL before TRAIN_DAYS[1], then the full pipeline."""
    from domains.core.pipeline import run_pipeline

    base: Path = tmp_path_factory.mktemp(f"{domain}-trained")
    env = platform_env(base)
    with patched_env(env):
        # The earlier days are history for the features; the last one trains, validates and serves.
        load_history(domain, TRAIN_DAYS[0], history_days)
        results = [run_pipeline(domain, TRAIN_DAYS[1])]
    return {"env": env, "results": results, "base": base}


def _use(trained: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for key, value in trained["env"].items():
        monkeypatch.setenv(key, value)
    return trained


@pytest.fixture(scope="session")
def trained_fraud(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _trained(tmp_path_factory, "fraud")


@pytest.fixture
def fraud_env(trained_fraud: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return _use(trained_fraud, monkeypatch)


@pytest.fixture(scope="session")
def trained_restaurant(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _trained(tmp_path_factory, "restaurant")


@pytest.fixture
def restaurant_env(trained_restaurant: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return _use(trained_restaurant, monkeypatch)


@pytest.fixture(params=["sqlite", "postgres"])
def pipeline_env(request, tmp_path, monkeypatch, airflow_db) -> dict[str, str]:
    """A fresh platform on SQLite and on a brand-new PostgreSQL database, for dag.test() runs."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    env = platform_env(tmp_path, warehouse_url=url)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def run_dag(dag_id: str, day: str) -> Any:
    """`dag.test()` of one DAG from dags/ for a logical date; returns the DagRun (assert its state)."""
    import pendulum
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[dag_id]
    return dag.test(logical_date=pendulum.parse(day))


def load_history(domain: str, last_day: str, days: int) -> None:
    """Extract, transform and load `days` days ending at `last_day`, oldest first (a backfill)."""
    from datetime import date, timedelta

    from domains.core.pipeline import run_pipeline

    end = date.fromisoformat(last_day)
    for offset in range(days - 1, -1, -1):
        run_pipeline(domain, end - timedelta(days=offset), stages=("extract", "transform", "load"))


ECOMMERCE_HISTORY_DAYS = 36  # 28 calibration days + the 7-day horizon + the run's own day


@pytest.fixture(scope="session")
def trained_ecommerce(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Five weeks of orders loaded and a model trained on them."""
    return _trained(tmp_path_factory, "ecommerce", ECOMMERCE_HISTORY_DAYS - 1)


@pytest.fixture
def ecommerce_env(trained_ecommerce: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return _use(trained_ecommerce, monkeypatch)


@pytest.fixture(scope="session")
def trained_healthcare(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two days of discharges as history, then the full pipeline on the third."""
    return _trained(tmp_path_factory, "healthcare", 2)


@pytest.fixture
def healthcare_env(trained_healthcare: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return _use(trained_healthcare, monkeypatch)


@pytest.fixture(scope="session")
def trained_hr(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One weekly snapshot of the workforce as history, then the full pipeline a day later."""
    return _trained(tmp_path_factory, "hr")


@pytest.fixture
def hr_env(trained_hr: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return _use(trained_hr, monkeypatch)


@pytest.fixture(scope="session")
def trained_financial(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The first run loads the whole history before its date, then trains, validates and serves."""
    return _trained(tmp_path_factory, "financial", 0)


@pytest.fixture
def financial_env(trained_financial: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return _use(trained_financial, monkeypatch)


@pytest.fixture(scope="session")
def trained_banking(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two days of the society's data as history (the first loads the customer book), then the full
    pipeline on the third."""
    return _trained(tmp_path_factory, "banking", 2)


@pytest.fixture
def banking_env(trained_banking: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return _use(trained_banking, monkeypatch)
