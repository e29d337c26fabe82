"""Model loading in the API: last good model kept when a new champion is broken, no-model answers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.api.conftest import auth


def register_broken_champion(tmp_path: Path) -> tuple[Any, str, str]:
    """A new version whose model file is garbage, aliased champion; returns (client, good, broken)."""
    from domains.core import model_store
    from domains.core.settings import get_settings

    settings = get_settings()
    mlc = model_store.client(settings)
    good = model_store.get_alias(settings, "fraud_model", model_store.CHAMPION)
    assert good is not None
    (tmp_path / "MLmodel").write_text(
        "flavors:\n  xgboost:\n    data: model.xgb\n    model_class: xgboost.sklearn.XGBClassifier\n"
        "    model_format: xgb\n    xgb_version: 3.2.0\n"
    )
    (tmp_path / "model.xgb").write_bytes(b"corrupted")
    broken = mlc.create_model_version("fraud_model", source=str(tmp_path), run_id=good.run_id)
    mlc.set_registered_model_alias("fraud_model", model_store.CHAMPION, broken.version)
    return mlc, good.version, str(broken.version)


def test_broken_new_champion_never_replaces_the_working_one(
    fraud_client: Any, example: dict, tmp_path: Path
) -> None:
    with fraud_client() as client:
        mlc, good, broken = register_broken_champion(tmp_path)
        try:
            r = client.post("/admin/reload", headers=auth("admin"))
            assert r.status_code == 503
            body = r.json()
            assert body["error"]["type"] == "reload_failed"
            assert (
                f"v{broken}" in body["error"]["message"]
                and f"still serving v{good}" in body["error"]["message"]
            )
            health = client.get("/health").json()
            assert health["status"] == "degraded" and health["model_version"] == good
            assert f"v{broken}" in health["reason"]
            p = client.post("/predict", json=example, headers=auth())
            assert p.status_code == 200 and p.json()["model_version"] == good
            metrics = client.get("/metrics").text
            assert 'api_model_loads_total{result="failed"} 1.0' in metrics
        finally:
            mlc.set_registered_model_alias("fraud_model", "champion", good)
            mlc.delete_model_version("fraud_model", broken)
        # The champion is good again: a reload clears the degraded state.
        assert client.post("/admin/reload", headers=auth("admin")).status_code == 200
        assert client.get("/health").json()["status"] == "ok"


def test_a_broken_champion_at_start_means_no_model_not_a_crash(
    fraud_client: Any, example: dict, tmp_path: Path
) -> None:
    mlc, good, broken = register_broken_champion(tmp_path)
    try:
        with fraud_client() as client:
            health = client.get("/health").json()
            assert health["status"] == "no_model" and health["model_loaded"] is False
            assert "corrupted" in health["reason"] or "Invalid model" in health["reason"]
            r = client.post("/predict", json=example, headers=auth())
            assert r.status_code == 503 and r.json()["error"]["type"] == "model_unavailable"
            assert client.get("/model/info", headers=auth()).status_code == 503
    finally:
        mlc.set_registered_model_alias("fraud_model", "champion", good)
        mlc.delete_model_version("fraud_model", broken)


def test_empty_registry_reports_no_model(
    isolated_env: dict, monkeypatch: pytest.MonkeyPatch, example: dict
) -> None:
    from api.factory import create_app
    from domains.core.settings import Settings
    from domains.fraud.serving import SERVICE

    monkeypatch.setenv("API_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("API_MODEL_REFRESH_SECONDS", "0")
    with TestClient(create_app(SERVICE, Settings())) as client:
        health = client.get("/health").json()
        assert health["status"] == "no_model" and health["model_version"] is None
        assert "no champion" in health["reason"]
        token = {
            "Authorization": "Bearer "
            + __import__("jwt").encode(
                {"sub": "t", "scope": "predict", "exp": 2**31}, "s" * 40, algorithm="HS256"
            )
        }
        r = client.post("/predict", json=example, headers=token)
        assert r.status_code == 503
        assert "no champion" in r.json()["error"]["message"]
        # Monitoring still answers (empty sections), it does not fail on a fresh warehouse.
        quality = client.get("/monitoring/quality", headers=token).json()
        assert quality["data_quality"] is None and quality["serving"]["status"] == "no_model"


def test_periodic_check_picks_up_a_new_champion(fraud_client: Any) -> None:
    """The watcher reloads when the champion alias moves, with no restart and no admin call."""
    from domains.core import model_store
    from domains.core.settings import get_settings

    settings = get_settings()
    mlc = model_store.client(settings)
    good = model_store.get_alias(settings, "fraud_model", model_store.CHAMPION)
    assert good is not None
    source = mlc.get_model_version("fraud_model", good.version).source
    copy = mlc.create_model_version("fraud_model", source=source, run_id=good.run_id)
    try:
        with fraud_client(API_MODEL_REFRESH_SECONDS="0.2") as client:
            assert client.get("/health").json()["model_version"] == good.version
            mlc.set_registered_model_alias("fraud_model", "champion", copy.version)
            for _ in range(100):
                if client.get("/health").json()["model_version"] == str(copy.version):
                    break
                asyncio.run(asyncio.sleep(0.1))
            assert client.get("/health").json()["model_version"] == str(copy.version)
    finally:
        mlc.set_registered_model_alias("fraud_model", "champion", good.version)
        mlc.delete_model_version("fraud_model", copy.version)


def test_production_refuses_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from api.factory import create_app
    from domains.fraud.serving import SERVICE

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("API_JWT_SECRET", raising=False)
    monkeypatch.setenv("PSEUDONYM_SECRET", "p" * 40)
    with pytest.raises(ValidationError, match="API_JWT_SECRET"):
        create_app(SERVICE)
    monkeypatch.setenv("API_JWT_SECRET", "")
    with pytest.raises(ValidationError, match="API_JWT_SECRET"):
        create_app(SERVICE)
