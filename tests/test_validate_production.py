"""validate_production.py: ready on a trained platform, not ready (with reasons) on an empty one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

STRONG = {"API_JWT_SECRET": "j" * 40, "PSEUDONYM_SECRET": "p" * 40}


def run_validator(env: dict[str, str], *args: str, report: Path) -> tuple[int, dict[str, Any], str]:
    out = subprocess.run(
        [sys.executable, "validate_production.py", "--json", "--report", str(report), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    # --json keeps stdout parseable: Airflow's and the API's logs go to stderr.
    document = json.loads(out.stdout)
    assert json.loads(report.read_text()) == document
    return out.returncode, document, out.stderr


def test_trained_fraud_is_ready(trained_fraud: dict[str, Any], tmp_path: Path) -> None:
    code, doc, _ = run_validator(
        {**trained_fraud["env"], **STRONG}, "--domain", "fraud", report=tmp_path / "r.json"
    )
    [fraud] = doc["domains"]
    assert fraud["failed"] == [], fraud
    assert code == 0 and doc["ready"] is True
    assert fraud["score"] == 100 and fraud["grade"] == "A"
    checks = {c["name"]: c for c in fraud["checks"]}
    assert "pr_auc" in checks["model_quality"]["detail"]
    assert "/predict of its example -> 200" in checks["api"]["detail"]


def test_all_seven_are_reported_and_unbuilt_ones_are_not_ready(trained_fraud: dict, tmp_path: Path) -> None:
    code, doc, _ = run_validator({**trained_fraud["env"], **STRONG}, report=tmp_path / "r.json")
    assert code == 1 and doc["ready"] is False
    by_name = {d["domain"]: d for d in doc["domains"]}
    assert set(by_name) == {"banking", "fraud", "ecommerce", "financial", "healthcare", "hr", "restaurant"}
    assert by_name["fraud"]["ready"] is True
    # Built but never run on this platform: not ready, and it says it has no champion.
    for name in ("banking", "restaurant", "ecommerce", "financial", "healthcare", "hr"):
        assert by_name[name]["built"] is True and by_name[name]["ready"] is False
        assert "champion" in by_name[name]["failed"]


def test_trained_restaurant_is_ready(trained_restaurant: dict[str, Any], tmp_path: Path) -> None:
    env = {**trained_restaurant["env"], **STRONG}
    code, doc, _ = run_validator(env, "--domain", "restaurant", report=tmp_path / "r.json")
    [restaurant] = doc["domains"]
    assert restaurant["failed"] == [], restaurant
    assert code == 0 and restaurant["score"] == 100
    assert "f1_macro" in {c["name"]: c for c in restaurant["checks"]}["model_quality"]["detail"]


@pytest.mark.parametrize(
    ("domain", "metric"), [("healthcare", "roc_auc"), ("hr", "roc_auc"), ("banking", "roc_auc")]
)
def test_trained_risk_domains_are_ready(domain: str, metric: str, request, tmp_path: Path) -> None:
    trained = request.getfixturevalue(f"trained_{domain}")
    code, doc, _ = run_validator({**trained["env"], **STRONG}, "--domain", domain, report=tmp_path / "r.json")
    [report] = doc["domains"]
    assert report["failed"] == [], report
    assert code == 0 and report["score"] == 100
    assert metric in {c["name"]: c for c in report["checks"]}["model_quality"]["detail"]


def test_empty_platform_is_not_ready_and_says_why(isolated_env: dict[str, str], tmp_path: Path) -> None:
    code, doc, _ = run_validator({**isolated_env, **STRONG}, "--domain", "fraud", report=tmp_path / "r.json")
    [fraud] = doc["domains"]
    assert code == 1
    assert {"champion", "model_quality", "data_quality", "reconciliation", "api"} <= set(fraud["failed"])
    assert {"dag", "tests", "secrets"}.isdisjoint(fraud["failed"])
    details = {c["name"]: c["detail"] for c in fraud["checks"]}
    assert "no `champion` alias" in details["champion"]
    assert "no data-quality run" in details["data_quality"]


def test_default_secrets_fail_the_secrets_check(trained_fraud: dict, tmp_path: Path) -> None:
    env = {**trained_fraud["env"], "API_JWT_SECRET": "", "PSEUDONYM_SECRET": "short"}
    code, doc, _ = run_validator(env, "--domain", "fraud", report=tmp_path / "r.json")
    [fraud] = doc["domains"]
    assert code == 1 and fraud["failed"] == ["secrets"]
    assert "API_JWT_SECRET" in next(c["detail"] for c in fraud["checks"] if c["name"] == "secrets")


def test_a_domain_whose_api_service_is_removed_from_compose_is_not_ready(
    trained_fraud: dict, tmp_path: Path
) -> None:
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    del compose["services"]["api-fraud"]
    (tmp_path / "docker-compose.yml").write_text(yaml.safe_dump(compose))
    env = {**trained_fraud["env"], **STRONG}
    args = ("--domain", "fraud", "--compose", str(tmp_path / "docker-compose.yml"))
    code, doc, _ = run_validator(env, *args, report=tmp_path / "r.json")
    [fraud] = doc["domains"]
    assert code == 1 and fraud["failed"] == ["deployment"]
    assert "no `api-fraud` service" in next(c["detail"] for c in fraud["checks"] if c["name"] == "deployment")
