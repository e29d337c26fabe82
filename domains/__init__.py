"""Plain-Python domain logic for the seven analytics pipelines; never imports Airflow or FastAPI."""

import os

# Arrow allocates through its bundled mimalloc, which hands freed pages back to the OS after 10 ms. A
# transform frees and re-allocates hundreds of MB from step to step, so the kernel kept faulting
# (and zeroing) the same memory back in: 0.4-0.7 s of system time per 500k-row fraud transform,
# 0.15-0.4 s with a 10 s delay (ADR 0015). mimalloc reads the option once, when pyarrow is loaded, so
# it is set here, before any module of this package imports pyarrow; a value already set wins.
os.environ.setdefault("MIMALLOC_PURGE_DELAY", "10000")
