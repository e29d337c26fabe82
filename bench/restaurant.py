"""Restaurant API benchmark: texts/s through /predict/batch (10,000 distinct reviews) and /predict."""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.api import serve, train_platform


def bench_restaurant_api(repeats: int = 5, singles: int = 300) -> dict[str, Any]:
    """Median seconds per 10,000-text batch (JSON in and out included) and single-call latency."""
    from domains.core.tokens import mint_token
    from domains.restaurant.source import generate_day

    base = Path(tempfile.mkdtemp(prefix="bench-restaurant-"))
    print("  training a restaurant model for the API benchmark ...", flush=True)
    env = train_platform(base, "restaurant", {"RESTAURANT_ROWS_PER_DAY": "3000"})
    texts = [
        t for t in generate_day("2026-11-21", 10_500, dirty_share=0).table.column("text").to_pylist() if t
    ]
    body = json.dumps({"records": [{"text": t} for t in texts[:10_000]]})
    token = mint_token("bench", ["predict"], env["API_JWT_SECRET"], 3600)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    proc, port = serve("api.restaurant:app", env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
            times = []
            for i in range(repeats + 1):  # the first call warms caches and is not counted
                t0 = time.perf_counter()
                r = http.post("/predict/batch", content=body, headers=headers)
                r.raise_for_status()
                if i:
                    times.append(time.perf_counter() - t0)
            single = []
            for t in texts[:singles]:
                t0 = time.perf_counter()
                http.post("/predict", json={"text": t}, headers=headers).raise_for_status()
                single.append((time.perf_counter() - t0) * 1000)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(base, ignore_errors=True)
    seconds = statistics.median(times)
    single.sort()
    return {
        "batch_texts": 10_000,
        "batch_seconds_median": round(seconds, 3),
        "batch_texts_per_second": round(10_000 / seconds),
        "batch_rounds_seconds": [round(t, 3) for t in times],
        "predict_sequential_p50_ms": round(single[len(single) // 2], 2),
        "predict_sequential_p99_ms": round(single[int(len(single) * 0.99) - 1], 2),
    }
