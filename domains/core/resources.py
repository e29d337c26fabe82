"""Measures a task's CPU, wall time and peak memory with psutil, and prices the CPU time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psutil


@dataclass
class ResourceUsage:
    """What one stage consumed; cost is CPU-hours times the configured price."""

    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    cost_usd: float = 0.0


@contextmanager
def measure_resources(cpu_hour_cost_usd: float, sample_every: float = 0.1) -> Iterator[ResourceUsage]:
    """Sample RSS in a thread (ru_maxrss is process-lifetime, not per task) and diff CPU times."""
    proc = psutil.Process()
    usage = ResourceUsage()
    peak = [proc.memory_info().rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(sample_every):
            peak[0] = max(peak[0], proc.memory_info().rss)

    sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    cpu0 = proc.cpu_times()
    t0 = time.perf_counter()
    sampler.start()
    try:
        yield usage
    finally:
        stop.set()
        sampler.join()
        cpu1 = proc.cpu_times()
        peak[0] = max(peak[0], proc.memory_info().rss)
        usage.wall_seconds = time.perf_counter() - t0
        usage.cpu_seconds = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
        usage.peak_rss_mb = peak[0] / 2**20
        usage.cost_usd = usage.cpu_seconds / 3600 * cpu_hour_cost_usd
