"""The machine's speed at bench time: fixed workloads that run none of our code, so ETL figures from
different hours on a shared VM can be compared (session 9's hour ran the same code 1.7x slower)."""

from __future__ import annotations

import time
import uuid
from typing import Any

REPEATS = 3
ROWS = 1_000_000


def _cpu_workload(rows: int) -> None:
    """The kernels our transforms spend their time in: text hashing, sorting, float maths, Parquet."""
    import io

    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(7)
    keys = pd.Series(rng.integers(0, rows // 20, rows).astype(str), dtype="str")
    codes, _ = pd.factorize(keys)
    t = rng.integers(0, 86_400, rows)
    order = np.lexsort((t, codes))
    amounts = rng.lognormal(3, 1, rows)[order]
    np.log1p(amounts).cumsum()
    pq.write_table(pa.table({"k": keys, "t": t, "a": amounts}), io.BytesIO(), compression="none")


def _copy_workload(dsn: str, rows: int) -> float:
    """Seconds of a bare ADBC binary COPY of `rows` rows of 8 typed columns (3 text) into a new table."""
    import adbc_driver_postgresql.dbapi as adbc
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(11)
    table = pa.table(
        {
            "id": np.arange(rows, dtype=np.int64),
            "amount": rng.lognormal(3, 1, rows),
            "lat": rng.uniform(-90, 90, rows),
            "n": rng.integers(0, 1000, rows),
            "ts": pa.array(rng.integers(0, 10**15, rows), pa.timestamp("us")),
            "code": pa.array(rng.integers(0, 10**12, rows).astype(str)),
            "city": pa.array(np.array(["Leeds", "York", "Bath", "Ely"])[rng.integers(0, 4, rows)]),
            "note": pa.array(rng.integers(0, 10**6, rows).astype(str)),
        }
    )
    name = f"bench_calibration_{uuid.uuid4().hex[:8]}"
    with adbc.connect(dsn) as conn:
        try:
            t0 = time.perf_counter()
            with conn.cursor() as cur:
                cur.adbc_ingest(name, table, mode="create")
            conn.commit()
            return time.perf_counter() - t0
        finally:
            with conn.cursor() as cur:
                cur.execute(f"DROP TABLE IF EXISTS {name}")
            conn.commit()


def calibrate(database_url: str, rows: int = ROWS) -> dict[str, Any]:
    """Best-of-3 seconds of a single-thread CPU workload over `rows` rows and of a bare PostgreSQL
    COPY of half as many; the defaults are what `bench/results` quote."""
    from sqlalchemy.engine import make_url

    from domains.core.pg_bulk import adbc_uri
    from domains.core.warehouse import normalise_url

    _cpu_workload(max(rows // 10, 100))  # imports and first-touch allocations, not the machine's speed
    cpu = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        _cpu_workload(rows)
        cpu.append(time.perf_counter() - t0)
    dsn = adbc_uri(make_url(normalise_url(database_url)))
    copy = [_copy_workload(dsn, rows // 2) for _ in range(REPEATS)]
    return {
        "rows": rows,
        "cpu_reference_seconds": round(min(cpu), 3),
        "copy_reference_seconds": round(min(copy), 3),
        "note": "fixed workloads that run none of the project's code; compare ETL figures only between "
        "runs whose references agree",
    }
