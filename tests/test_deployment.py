"""Deployment files checked statically (no Docker engine here): the images, the compose file, the
Prometheus and Grafana provisioning and the CI workflow agree with the domain registry."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from domains.core import deployment
from domains.core.registry import DOMAINS

ROOT = Path(__file__).resolve().parents[1]
LONG_RUNNING_EXCEPT = {"airflow-init"}  # a one-shot job: it exits, so it has nothing to health-check


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return deployment.load_compose(ROOT / "docker-compose.yml")


def test_the_repository_deploys_every_domain() -> None:
    assert deployment.deployment_problems(ROOT, ROOT / "docker-compose.yml", DOMAINS.values()) == []


@pytest.mark.parametrize("dockerfile", deployment.DOCKERFILES)
def test_dockerfiles_run_as_non_root_with_a_healthcheck_and_no_secrets(dockerfile: str) -> None:
    text = (ROOT / dockerfile).read_text()
    assert deployment.dockerfile_problems(ROOT / dockerfile) == []
    assert not re.search(r"(SECRET|PASSWORD|FERNET)\w*\s*=", text), "secrets come from the environment only"
    assert (
        "FROM apache/airflow:${AIRFLOW_VERSION}" in text if "airflow" in dockerfile else " AS build" in text
    )


def test_the_airflow_image_is_the_pinned_official_one() -> None:
    pinned = re.search(r"^apache-airflow==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert f"ARG AIRFLOW_VERSION={pinned}" in (ROOT / "docker/Dockerfile.airflow").read_text()


def test_dockerignore_keeps_state_and_secrets_out_of_the_context() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "var", ".git"} <= set(ignored)


def test_compose_has_the_official_airflow_layout_on_celery(compose: dict[str, Any]) -> None:
    services = compose["services"]
    airflow = {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
               "airflow-triggerer", "airflow-worker"}  # fmt: skip
    assert airflow | {"postgres", "redis", "mlflow"} <= set(services)
    for name in airflow:
        assert services[name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert services["airflow-worker"]["command"] == "celery worker"
    assert "8080:8080" in services["airflow-apiserver"]["ports"]
    assert services["airflow-init"]["command"][-1].count("airflow db migrate") == 1


def test_the_seven_apis_come_from_one_anchor_and_differ_only_in_domain_and_port(compose: dict) -> None:
    apis = {name: s for name, s in compose["services"].items() if name.startswith("api-")}
    assert set(apis) == {f"api-{d}" for d in DOMAINS}
    shape = [{k: v for k, v in s.items() if k not in ("environment", "ports")} for s in apis.values()]
    assert all(s == shape[0] for s in shape)
    envs = [{k: v for k, v in s["environment"].items() if k not in ("DOMAIN", "PORT")} for s in apis.values()]
    assert all(e == envs[0] for e in envs)
    ports = {s["environment"]["DOMAIN"]: int(s["environment"]["PORT"]) for s in apis.values()}
    assert ports == {d.name: d.api_port for d in DOMAINS.values()}


def test_long_running_services_have_healthchecks_and_wait_for_healthy_dependencies(compose: dict) -> None:
    for name, service in compose["services"].items():
        if name not in LONG_RUNNING_EXCEPT:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert condition["condition"] in ("service_healthy", "service_completed_successfully"), (
                name,
                dependency,
            )


def test_secrets_only_from_env_and_every_variable_documented(compose: dict) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for service in compose["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|FERNET", key) and not key.endswith("_FILE"):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", str(value)), (key, value)
            if "@" in str(value) and "://" in str(value):  # credentials in a URL come from .env too
                assert re.search(r"://\w*:(\$\{[A-Z_]+:\?[^}]+\})?@", str(value)), (key, value)
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    used = set(deployment.COMPOSE_VARIABLE.findall(text))
    assert used and used <= documented, used - documented
    assert set(compose["volumes"]) >= {"postgres-db-volume", "platform-data", "mlflow-artifacts"}


def test_postgres_init_creates_the_warehouse_and_mlflow_databases(compose: dict) -> None:
    sql = (ROOT / "docker/postgres-init/01-databases.sql").read_text()
    assert "CREATE DATABASE warehouse;" in sql and "CREATE DATABASE mlflow;" in sql
    assert (
        "./docker/postgres-init:/docker-entrypoint-initdb.d:ro" in compose["services"]["postgres"]["volumes"]
    )


def test_monitoring_profile_scrapes_every_api_and_provisions_the_dashboard(compose: dict) -> None:
    for name in ("prometheus", "grafana"):
        assert compose["services"][name]["profiles"] == ["monitoring"]
    prometheus = yaml.safe_load((ROOT / "docker/prometheus/prometheus.yml").read_text())
    targets = {
        t for job in prometheus["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]
    }
    assert targets == {f"api-{d.name}:{d.api_port}" for d in DOMAINS.values()}
    dashboard = json.loads((ROOT / "docker/grafana/dashboards/prediction-apis.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for metric in ("api_requests_total", "api_request_duration_seconds_bucket", "api_errors_total",
                   "api_predictions_total"):  # fmt: skip
        assert metric in exprs
    from api.metrics import ApiMetrics

    exposed = ApiMetrics("fraud").exposition().decode()
    for metric in ("api_requests", "api_request_duration_seconds", "api_errors", "api_predictions"):
        assert f"# TYPE {metric}" in exposed


def test_ci_runs_lint_each_domain_on_its_paths_the_full_suite_on_main_and_security() -> None:
    workflow = yaml.safe_load((ROOT / deployment.CI_WORKFLOW).read_text())
    jobs = workflow["jobs"]
    assert {"lint", "changes", "domain", "full", "security"} <= set(jobs)
    filters = yaml.safe_load(jobs["changes"]["steps"][1]["with"]["filters"])
    assert set(DOMAINS) <= set(filters)
    for name in DOMAINS:
        flat = [p for item in filters[name] for p in (item if isinstance(item, list) else [item])]
        assert f"domains/{name}/**" in flat and "domains/core/**" in flat
    assert "make test DOMAIN=${{ matrix.domain }}" in jobs["domain"]["steps"][-1]["run"]
    assert "postgres" in jobs["domain"]["services"] and "refs/heads/main" in jobs["full"]["if"]
    security = " ".join(s.get("run", "") for s in jobs["security"]["steps"])
    assert "bandit" in security and "pip-audit" in security


def test_a_production_env_file_with_default_secrets_is_reported(tmp_path: Path) -> None:
    from domains.core.settings import DEV_JWT_SECRET

    (tmp_path / ".env").write_text(
        f"APP_ENV=production\nAPI_JWT_SECRET={DEV_JWT_SECRET}\nPSEUDONYM_SECRET={'x' * 40}\n"
    )
    assert deployment.env_file_problems(tmp_path / ".env") == [
        ".env: API_JWT_SECRET is a default or shorter than 32 characters while APP_ENV=production"
    ]
    (tmp_path / ".env").write_text(f"APP_ENV=development\nAPI_JWT_SECRET={DEV_JWT_SECRET}\n")
    assert deployment.env_file_problems(tmp_path / ".env") == []


def test_a_missing_api_service_is_named(compose: dict, tmp_path: Path) -> None:
    broken = {**compose, "services": {k: v for k, v in compose["services"].items() if k != "api-hr"}}
    (tmp_path / "docker-compose.yml").write_text(yaml.safe_dump(broken))
    problems = deployment.deployment_problems(ROOT, tmp_path / "docker-compose.yml", DOMAINS.values())
    assert problems == ["docker-compose.yml has no `api-hr` service"]


THIRD_PARTY_ENV = re.compile(r"^(AIRFLOW__|POSTGRES_|GF_|DUMB_INIT_)")


def test_every_service_variable_of_ours_is_documented(compose: dict[str, Any]) -> None:
    """Variables the project reads (not the Airflow/PostgreSQL/Grafana images' own) are in .env.example."""
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    ours = {
        key
        for service in compose["services"].values()
        for key in (service.get("environment") or {})
        if not THIRD_PARTY_ENV.match(key)
    }
    assert ours <= documented, ours - documented


def test_the_configuration_reference_lists_every_setting() -> None:
    from domains.banking.settings import BankingSettings
    from domains.core.settings import Settings, SourceSettings

    readme = (ROOT / "README.md").read_text()
    names = [f.upper() for f in Settings.model_fields]
    names += [f"<DOMAIN>_{f.upper()}" for f in SourceSettings.model_fields]
    names += [f"BANKING_{f.upper()}" for f in BankingSettings.model_fields if not f.startswith("aml_")]
    missing = [n for n in names if f"`{n}`" not in readme]
    assert missing == [], missing
