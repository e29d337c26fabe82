"""The "Analytics platform" page, fetched through a running Airflow API server: mounted by the plugin,
linked from the UI's navigation, showing each domain's champion, data quality and API health."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from domains.core import model_store
from domains.core.pipeline import make_context
from domains.core.registry import DOMAINS
from tests.conftest import ROOT, TRAIN_DAYS

pytestmark = pytest.mark.airflow


@pytest.fixture
def api_server(airflow_db: Path, fraud_env: dict[str, Any], tmp_path: Path) -> Any:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",  # the test reads /api/v2 without a login
        "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
    }
    log = (tmp_path / "api-server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow", "api-server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/v2/version", timeout=2).is_success:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (
                tmp_path / "api-server.log"
            ).read_text()
            time.sleep(1)
        yield base
    finally:
        os.killpg(process.pid, 15)
        process.wait(30)


def test_platform_page_is_served_and_linked_from_the_ui(api_server: str) -> None:
    champion = model_store.get_alias(
        make_context("fraud", TRAIN_DAYS[1]).settings, "fraud_model", model_store.CHAMPION
    )
    page = httpx.get(f"{api_server}/platform/", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for name in DOMAINS:
        assert f"<b>{name}</b>" in page.text
    rows = {r["domain"]: r for r in httpx.get(f"{api_server}/platform/status.json", timeout=30).json()}
    assert set(rows) == set(DOMAINS)
    fraud = rows["fraud"]
    assert fraud["champion"] == champion.version and f"v{champion.version}" in page.text
    assert fraud["data_quality"]["success"] is True and fraud["data_quality"]["ds"] == TRAIN_DAYS[1]
    assert fraud["api"]["status"].startswith("unreachable")  # no fraud API runs in this test
    assert rows["banking"]["champion"] is None  # nothing trained on this platform
    plugins = httpx.get(f"{api_server}/api/v2/plugins", timeout=30).json()["plugins"]
    [ours] = [p for p in plugins if p["name"] == "analytics_platform"]
    [view] = ours["external_views"]
    assert view["href"] == "platform/" and view["destination"] == "nav"
    assert ours["fastapi_apps"][0]["url_prefix"] == "/platform"
