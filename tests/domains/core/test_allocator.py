"""Importing `domains` keeps memory Arrow frees for reuse instead of handing it back to the OS at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Allocates and frees ~640 MB through Arrow's pool three times, keeps the allocator busy for 0.2 s
# (mimalloc purges freed memory on later activity once its delay has passed), then prints how much
# the process grew.
PROBE = """
import domains
import os, time
import numpy as np, psutil, pyarrow as pa, pyarrow.compute as pc
proc = psutil.Process()
before = proc.memory_info().rss
for _ in range(3):
    a = pc.add(pa.array(np.ones(40_000_000)), 1)
    del a
for _ in range(20):
    time.sleep(0.01)
    pc.add(pa.array(np.ones(100_000)), 1)
print(os.environ["MIMALLOC_PURGE_DELAY"], (proc.memory_info().rss - before) >> 20)
"""


def _probe(**env: str) -> tuple[str, int]:
    clean = {k: v for k, v in os.environ.items() if k != "MIMALLOC_PURGE_DELAY"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return out[0], int(out[1])


def test_freed_arrow_memory_is_kept_for_reuse():
    delay, grown_mb = _probe()
    assert delay == "10000"
    assert grown_mb > 200  # the freed 320 MB buffers stay with the process, ready for the next step


def test_a_delay_the_user_set_wins():
    delay, grown_mb = _probe(MIMALLOC_PURGE_DELAY="10")
    assert delay == "10"
    assert grown_mb < 150  # purged after 10 ms: mimalloc did read the setting
