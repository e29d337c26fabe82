"""Fixtures for API tests: apps on the session's trained platforms, tokens, a client factory."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def make_token(scope: str = "predict", ttl: int = 600, secret: str = SECRET, **claims: Any) -> str:
    body = {"sub": "tester", "scope": scope, "exp": int(time.time()) + ttl, **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, secret, algorithm="HS256")


def auth(scope: str = "predict admin", **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(scope, **kwargs)}"}


def _client_factory(
    service: Any, monkeypatch: pytest.MonkeyPatch, extra_routes: tuple[Any, ...] = ()
) -> Callable[..., Any]:
    from api.factory import create_app
    from domains.core.settings import Settings

    monkeypatch.setenv("API_JWT_SECRET", SECRET)
    monkeypatch.setenv("API_MODEL_REFRESH_SECONDS", "0")

    @contextmanager
    def open_client(**env: str) -> Iterator[TestClient]:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        app = create_app(service, Settings(), extra_routes=extra_routes)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client

    return open_client


@pytest.fixture
def fraud_client(fraud_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """`with fraud_client(API_RATE_LIMIT_BURST="2") as client:` runs the app's lifespan (model load)."""
    from domains.fraud.serving import SERVICE

    return _client_factory(SERVICE, monkeypatch)


@pytest.fixture
def restaurant_client(
    restaurant_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    from domains.restaurant.serving import SERVICE

    with _client_factory(SERVICE, monkeypatch)() as client:
        yield client


@pytest.fixture
def client(fraud_client: Callable[..., Any]) -> Iterator[TestClient]:
    with fraud_client() as c:
        yield c


@pytest.fixture
def example() -> dict[str, Any]:
    from domains.fraud.serving import EXAMPLE

    return dict(EXAMPLE)


@pytest.fixture
def ecommerce_client(ecommerce_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from domains.ecommerce.serving import SERVICE

    with _client_factory(SERVICE, monkeypatch)() as client:
        yield client


@pytest.fixture
def healthcare_client(
    healthcare_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    from domains.healthcare.serving import SERVICE

    with _client_factory(SERVICE, monkeypatch)() as client:
        yield client


@pytest.fixture
def hr_client(hr_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from domains.hr.serving import SERVICE

    with _client_factory(SERVICE, monkeypatch)() as client:
        yield client


@pytest.fixture
def financial_client(financial_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from domains.financial.serving import SERVICE

    with _client_factory(SERVICE, monkeypatch)() as client:
        yield client


@pytest.fixture
def banking_client(banking_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The banking app exactly as `api.banking` assembles it: shared routes plus the data endpoints."""
    from api.banking import data_routes
    from domains.banking.serving import SERVICE

    with _client_factory(SERVICE, monkeypatch, (data_routes,))() as client:
        yield client
