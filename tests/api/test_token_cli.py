"""`python -m api.token` mints tokens the APIs accept, and refuses unknown scopes."""

from __future__ import annotations

import os
import subprocess
import sys

import jwt

from domains.core.tokens import decode_token


def run_cli(*args: str, secret: str = "c" * 40) -> subprocess.CompletedProcess:
    env = {**os.environ, "API_JWT_SECRET": secret}
    return subprocess.run([sys.executable, "-m", "api.token", *args], capture_output=True, text=True, env=env)


def test_token_cli_mints_a_scoped_token() -> None:
    out = run_cli("--sub", "svc-a", "--scope", "predict admin", "--ttl", "120")
    assert out.returncode == 0, out.stderr
    claims = decode_token(out.stdout.strip(), "c" * 40)
    assert claims["sub"] == "svc-a" and set(claims["scope"].split()) == {"predict", "admin"}
    assert 100 <= claims["exp"] - claims["iat"] <= 120


def test_token_cli_refuses_unknown_scope_and_bad_ttl() -> None:
    bad = run_cli("--sub", "x", "--scope", "root")
    assert bad.returncode == 2 and "unknown scopes" in bad.stderr
    assert run_cli("--sub", "x", "--ttl", "0").returncode == 2


def test_token_from_another_secret_does_not_verify() -> None:
    token = run_cli("--sub", "x").stdout.strip()
    try:
        decode_token(token, "d" * 40)
    except jwt.InvalidSignatureError:
        return
    raise AssertionError("a token signed with another secret verified")
