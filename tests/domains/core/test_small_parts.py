"""Drift, gate, settings and token behaviour."""

from __future__ import annotations

import jwt
import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from domains.core.drift import psi, psi_severity, reference_profile
from domains.core.gate import decide
from domains.core.settings import Settings, get_source_settings
from domains.core.spec import ModelGate
from domains.core.tokens import decode_token, mint_token


def test_psi_is_near_zero_for_the_same_distribution_and_large_for_a_shift() -> None:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 20_000)})
    profile = reference_profile(ref, ["x"])
    same = psi(profile, pd.DataFrame({"x": rng.normal(0, 1, 20_000)}))["x"]
    shifted = psi(profile, pd.DataFrame({"x": rng.normal(1.0, 1, 20_000)}))["x"]
    assert same < 0.01
    assert shifted > 0.25
    assert psi_severity(same) == "stable" and psi_severity(shifted) == "significant"


def test_gate_needs_both_the_baseline_and_the_champion_beaten() -> None:
    gate = ModelGate(metric="pr_auc", min_value=0.3, min_gain_over_baseline=0.01)
    assert decide(gate, 0.7, 0.4, None).promote
    assert decide(gate, 0.7, 0.4, 0.65).promote
    assert not decide(gate, 0.7, 0.4, 0.75).promote
    assert not decide(gate, 0.405, 0.4, None).promote
    assert not decide(gate, 0.25, 0.1, None).promote
    lower_better = ModelGate(metric="rmse", greater_is_better=False)
    assert decide(lower_better, 0.9, 1.0, 0.95).promote
    assert not decide(lower_better, 1.1, 1.0, None).promote


def test_production_refuses_default_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("API_JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="API_JWT_SECRET"):
        Settings()
    monkeypatch.setenv("API_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("PSEUDONYM_SECRET", "y" * 40)
    assert Settings().app_env == "production"


def test_domain_source_settings_use_the_domain_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAUD_SOURCE", "/data/export_{ds}.csv")
    monkeypatch.setenv("FRAUD_ROWS_PER_DAY", "5000")
    s = get_source_settings("fraud")
    assert (s.source, s.rows_per_day) == ("/data/export_{ds}.csv", 5000)
    assert get_source_settings("banking").source == "synthetic"


def test_tokens_round_trip_and_reject_forgeries() -> None:
    token = mint_token("svc", ["predict"], "secret-a", 60)
    assert decode_token(token, "secret-a")["scope"] == "predict"
    with pytest.raises(jwt.InvalidSignatureError):
        decode_token(token, "secret-b")
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_token(mint_token("svc", ["admin"], "s", -10), "s")
    with pytest.raises(ValueError, match="unknown scopes"):
        mint_token("svc", ["root"], "s")
