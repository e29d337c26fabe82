"""Static checks that the Docker images, the compose file and the CI workflow deploy every registered
domain (no Docker engine needed): read by validate_production.py and the deployment tests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from domains.core.spec import DomainSpec

DOCKERFILES = ("docker/Dockerfile.airflow", "docker/Dockerfile.api")
CI_WORKFLOW = ".github/workflows/ci.yml"
# A variable compose must take from .env: `${NAME}` or `${NAME:?message}`; `$${NAME}` is escaped.
COMPOSE_VARIABLE = re.compile(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)")


def load_compose(path: Path) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(path.read_text()) or {}


def api_service_name(spec: DomainSpec) -> str:
    return f"api-{spec.name}"


def dockerfile_problems(path: Path) -> list[str]:
    """A Dockerfile must end as a non-root user and declare a HEALTHCHECK."""
    if not path.is_file():
        return [f"{path.name} is missing"]
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    users = [ln.split(None, 1)[1].strip() for ln in lines if ln.upper().startswith("USER ")]
    problems = []
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append(f"{path.name} does not switch to a non-root USER")
    if not any(ln.upper().startswith("HEALTHCHECK ") for ln in lines):
        problems.append(f"{path.name} has no HEALTHCHECK")
    return problems


def api_service_problems(compose: dict[str, Any], spec: DomainSpec) -> list[str]:
    """The domain's API service exists, runs its app on its port, publishes it and is health-checked."""
    name = api_service_name(spec)
    service = (compose.get("services") or {}).get(name)
    if service is None:
        return [f"docker-compose.yml has no `{name}` service"]
    env = service.get("environment") or {}
    problems = []
    if env.get("DOMAIN") != spec.name or str(env.get("PORT")) != str(spec.api_port):
        problems.append(
            f"`{name}` runs {env.get('DOMAIN')}:{env.get('PORT')}, not {spec.name}:{spec.api_port}"
        )
    if f"{spec.api_port}:{spec.api_port}" not in [str(p) for p in service.get("ports") or []]:
        problems.append(f"`{name}` does not publish port {spec.api_port}")
    if not service.get("healthcheck"):
        problems.append(f"`{name}` has no healthcheck")
    return problems


def env_file_problems(path: Path) -> list[str]:
    """A .env that says APP_ENV=production must not carry default or short secrets."""
    from domains.core.settings import DEV_SECRETS

    if not path.is_file():
        return []
    values = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.strip().startswith("#"):
            values[key.strip()] = value.strip().strip("'\"")
    if values.get("APP_ENV") != "production":
        return []
    return [
        f"{path.name}: {name} is a default or shorter than 32 characters while APP_ENV=production"
        for name in ("API_JWT_SECRET", "PSEUDONYM_SECRET")
        if values.get(name, "") in DEV_SECRETS or len(values.get(name, "")) < 32
    ]


def deployment_report(
    root: Path, compose_path: Path, specs: Iterable[DomainSpec]
) -> dict[str | None, list[str]]:
    """Problems shared by every domain (key None: images, compose file, CI, .env) and each domain's own
    (its API service), reading every file once."""
    shared = [p for d in DOCKERFILES for p in dockerfile_problems(root / d)]
    if not (root / CI_WORKFLOW).is_file():
        shared.append(f"{CI_WORKFLOW} is missing")
    shared += env_file_problems(root / ".env")
    if not compose_path.is_file():
        return {None: [*shared, f"{compose_path.name} is missing"]}
    compose = load_compose(compose_path)
    return {None: shared, **{spec.name: api_service_problems(compose, spec) for spec in specs}}


def deployment_problems(root: Path, compose_path: Path, specs: Iterable[DomainSpec]) -> list[str]:
    """Everything that keeps `specs` from deploying with the images, compose file and CI of `root`."""
    report = deployment_report(root, compose_path, specs)
    return [p for problems in report.values() for p in problems]
