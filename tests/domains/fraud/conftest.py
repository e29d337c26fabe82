"""A fraud platform trained once per session (two days of synthetic data), shared by model tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import platform_env

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


@pytest.fixture(scope="session")
def trained_fraud(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from domains.core.pipeline import run_pipeline

    base: Path = tmp_path_factory.mktemp("fraud-trained")
    env = platform_env(base)
    with patched_env(env):
        # The first day is history for the features; the second trains, validates and serves.
        results = [
            run_pipeline("fraud", TRAIN_DAYS[0], stages=("extract", "transform", "load")),
            run_pipeline("fraud", TRAIN_DAYS[1]),
        ]
    return {"env": env, "results": results, "base": base}


@pytest.fixture
def fraud_env(trained_fraud: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for key, value in trained_fraud["env"].items():
        monkeypatch.setenv(key, value)
    return trained_fraud
