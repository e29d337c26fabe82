"""Scale-out proof: the fraud DAG runs on Airflow's CeleryExecutor, each task executed by a real
`airflow celery worker` process through the local Redis broker, with PostgreSQL as Airflow's
metadata database and Celery's result backend (the layout docker-compose.yml deploys).

Select it with `-m celery`; it is part of the whole suite too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, platform_env

pytestmark = [pytest.mark.celery, pytest.mark.airflow, pytest.mark.postgres]
DAY = "2026-11-19"

RUN_DAG = """
import sys
import pendulum
from airflow.dag_processing.dagbag import DagBag

bag = DagBag(dag_folder=sys.argv[1])
run = bag.dags["fraud_pipeline"].test(logical_date=pendulum.parse(sys.argv[2]), use_executor=True)
print("RUN_STATE", run.state, {ti.task_id: ti.state for ti in run.get_task_instances()})
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_db() -> int:
    """A Redis database number of its own (1-15), so parallel or earlier runs share no queue."""
    return 1 + uuid.uuid4().int % 15


@pytest.fixture
def celery_env(postgres_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    home = tmp_path / "airflow"
    home.mkdir()
    pg = postgres_url.replace("postgresql://", "postgresql+psycopg2://", 1)
    port = _free_port()
    env = {
        **os.environ,
        **platform_env(tmp_path / "platform"),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": pg,
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:6379/{_redis_db()}",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + postgres_url,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex * 2,
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPATH": str(ROOT),
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    yield env | {"_API_PORT": str(port)}


def _start(env: dict[str, str], args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "airflow", *args],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)


def test_fraud_dag_runs_on_celery_workers(celery_env: dict[str, str], tmp_path: Path) -> None:
    # A day of card history first (in-process): the DAG's run then trains on two days.
    history = subprocess.run(
        [
            sys.executable,
            "-m",
            "domains",
            "run",
            "fraud",
            "--date",
            "2026-11-18",
            "--stages",
            "extract,transform,load",
        ],
        cwd=ROOT,
        env=celery_env,
        capture_output=True,
        text=True,
    )
    assert history.returncode == 0, history.stderr[-3000:]
    api = _start(celery_env, ["api-server", "--port", celery_env["_API_PORT"]], tmp_path / "api.log")
    worker = _start(celery_env, ["celery", "worker"], tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(
                    f"http://127.0.0.1:{celery_env['_API_PORT']}/api/v2/version", timeout=2
                ).is_success:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "api.log").read_text()[-3000:]
            time.sleep(1)
        run = subprocess.run(
            [sys.executable, "-c", RUN_DAG, str(ROOT / "dags"), DAY],
            cwd=ROOT,
            env=celery_env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        _stop(worker)
        _stop(api)
    worker_log = (tmp_path / "worker.log").read_text()
    assert "RUN_STATE success" in run.stdout, run.stdout[-2000:] + run.stderr[-4000:] + worker_log[-3000:]
    # Every task went through the Celery worker process, not the test's own.
    for task in ("extract", "transform", "load", "train", "validate", "health_check"):
        assert f"'{task}': 'success'" in run.stdout
        assert f"task_id={task}/" in worker_log, worker_log[-3000:]
    assert worker_log.count("Executing workload in Celery") == 6
    assert worker_log.count("final_state=success") == 6
