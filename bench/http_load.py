"""A lean HTTP/1.1 keep-alive load generator (raw asyncio sockets), so the client is not the bottleneck.

`python -m bench.http_load --port 8001 --path /predict --body-file b.json --header "Authorization: ..."`
prints one JSON line: requests/s, latency percentiles, status counts. Run in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path


def _request(host: str, port: int, path: str, body: bytes, headers: list[str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str, port: int, request: bytes, stop_at: float, record_from: float, out: dict
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at:
                break
            writer.write(request)
            status = await _read_response(reader)
            t1 = time.perf_counter()
            if t0 >= record_from:
                out["latencies"].append(t1 - t0)
                out["status"][status] += 1
    except (ConnectionError, asyncio.IncompleteReadError) as exc:
        out["status"][f"connection error: {type(exc).__name__}"] += 1
    finally:
        writer.close()


async def run(
    host: str,
    port: int,
    path: str,
    body: bytes,
    headers: list[str],
    concurrency: int,
    seconds: float,
    warmup: float,
) -> dict:
    request = _request(host, port, path, body, headers)
    out: dict = {"latencies": [], "status": Counter()}
    start = time.perf_counter()
    record_from, stop_at = start + warmup, start + warmup + seconds
    await asyncio.gather(
        *(_connection(host, port, request, stop_at, record_from, out) for _ in range(concurrency))
    )
    lat = sorted(out["latencies"])
    n = len(lat)

    def pct(q: float) -> float:
        return round(lat[min(n - 1, int(q * n))] * 1000, 3) if n else float("nan")

    ok = out["status"].get(200, 0)
    return {
        "concurrency": concurrency,
        "seconds": seconds,
        "requests": n,
        "requests_per_second": round(n / seconds, 1),
        "ok": ok,
        "errors": n - ok + sum(v for k, v in out["status"].items() if isinstance(k, str)),
        "status": {str(k): v for k, v in out["status"].items()},
        "latency_ms": {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": pct(1.0)},
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/predict")
    p.add_argument("--body-file", type=Path, required=True)
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--warmup", type=float, default=2.0)
    a = p.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(
        run(a.host, a.port, a.path, a.body_file.read_bytes(), a.header, a.concurrency, a.seconds, a.warmup)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
