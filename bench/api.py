"""API benchmark: fraud /predict vs a bare FastAPI endpoint parsing the same JSON, and /predict/batch."""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app: str, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    path = "/health" if app.startswith("api.") else "/docs"
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code == 200:
                return proc, port
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def _load(port: int, body: Path, headers: list[str], seconds: float, concurrency: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.http_load", "--port", str(port), "--body-file", str(body)]
    cmd += ["--seconds", str(seconds), "--warmup", "2", "--concurrency", str(concurrency)]
    for h in headers:
        cmd += ["--header", h]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def train_platform(base: Path, domain: str = "fraud", extra: dict[str, str] | None = None) -> dict[str, str]:
    """Run `domain`'s pipeline for two days into a fresh platform under `base`; return its environment."""
    env = {
        **os.environ,
        "PLATFORM_ENV_FILE": "",
        "APP_ENV": "test",
        "DATA_DIR": str(base / "data"),
        "WAREHOUSE_URL": f"sqlite:///{base / 'warehouse.db'}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{base / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_ROOT": str(base / "mlartifacts"),
        "FRAUD_ROWS_PER_DAY": "50000",
        "FRAUD_API_URL": "http://127.0.0.1:9",
        "LOG_LEVEL": "WARNING",
        "API_JWT_SECRET": "bench-secret-" + "x" * 40,
        "API_RATE_LIMIT_PER_MINUTE": "0",  # the bench client is one subject sending thousands per second
        "API_MODEL_REFRESH_SECONDS": "0",
        "PYTHONPATH": str(ROOT),
        f"{domain.upper()}_API_URL": "http://127.0.0.1:9",
        **(extra or {}),
    }
    subprocess.run(
        [sys.executable, "-m", "domains", "run", domain, "--date", "2026-11-19", "--days", "2"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def bench_api(seconds: float = 8.0, rounds: int = 2, concurrency: int = 32) -> dict[str, Any]:
    """Median requests/s and p99 over alternating rounds, so machine noise hits both sides alike."""
    from domains.core.tokens import mint_token
    from domains.fraud.serving import EXAMPLE

    base = Path(tempfile.mkdtemp(prefix="bench-api-"))
    print("  training a fraud model for the API benchmark ...", flush=True)
    env = train_platform(base)
    body = base / "predict.json"
    body.write_text(json.dumps(EXAMPLE))
    token = mint_token("bench", ["predict"], env["API_JWT_SECRET"], 3600)
    auth = [f"Authorization: Bearer {token}"]
    variants = {
        "bare_fastapi": ("bench.bare_app:app", env, []),
        "fraud_predict_microbatched": ("api.fraud:app", env, auth),
        "fraud_predict_per_request": ("api.fraud:app", {**env, "API_MICROBATCH_MAX_SIZE": "1"}, auth),
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    servers = {name: serve(app, e) for name, (app, e, _) in variants.items()}
    try:
        for r in range(rounds):
            for name, (_, _, headers) in variants.items():
                print(f"  round {r + 1}/{rounds}: {name} ...", flush=True)
                runs[name].append(_load(servers[name][1], body, headers, seconds, concurrency))
        batch = _batch_rows_per_second(servers["fraud_predict_microbatched"][1], token, EXAMPLE)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(base, ignore_errors=True)

    def summary(name: str) -> dict[str, Any]:
        rps = [r["requests_per_second"] for r in runs[name]]
        return {
            "requests_per_second": round(statistics.median(rps), 1),
            "p99_ms": round(statistics.median(r["latency_ms"]["p99"] for r in runs[name]), 2),
            "p50_ms": round(statistics.median(r["latency_ms"]["p50"] for r in runs[name]), 2),
            "errors": sum(r["errors"] for r in runs[name]),
            "rounds": rps,
        }

    result = {name: summary(name) for name in variants}
    bare = result["bare_fastapi"]["requests_per_second"]
    for name in ("fraud_predict_microbatched", "fraud_predict_per_request"):
        result[name]["ratio_to_bare"] = round(result[name]["requests_per_second"] / bare, 3)
    return {"concurrency": concurrency, "seconds_per_round": seconds, **result, "predict_batch": batch}


def _batch_rows_per_second(
    port: int, token: str, example: dict[str, Any], repeats: int = 5
) -> dict[str, Any]:
    records = {"records": [example] * 10_000}
    times = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        for _ in range(repeats + 1):
            t0 = time.perf_counter()
            r = http.post("/predict/batch", json=records, headers={"Authorization": f"Bearer {token}"})
            times.append(time.perf_counter() - t0)
            r.raise_for_status()
    best = min(times[1:])  # the first call warms up
    return {
        "records_per_request": 10_000,
        "best_seconds": round(best, 3),
        "rows_per_second": round(10_000 / best),
    }
