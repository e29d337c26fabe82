"""`python -m bench`: fraud and banking ETL into PostgreSQL (fraud vs raw COPY), API speed (fraud,
restaurant), DAG parse time, and the machine's speed at the time (calibration)."""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def _fresh_database(server_url: str) -> tuple[str, Any]:
    import sqlalchemy as sa

    from domains.core.warehouse import normalise_url

    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return server_url.rsplit("/", 1)[0] + f"/{name}", (admin, name)


def _drop_database(handle: Any) -> None:
    import sqlalchemy as sa

    from domains.core.warehouse import dispose_engines

    admin, name = handle
    dispose_engines()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def forget_bronze(data_dir: Path, domain: str, ds: str) -> None:
    """Delete the date's bronze, so that the next extract writes it as a new day's extract does: a
    repeat of the same extract would find it (written once per checksum) and skip the write, which is
    most of extract's work."""
    for folder in (data_dir / domain).glob(f"bronze*/ds={ds}"):
        shutil.rmtree(folder)


def bench_etl(server_url: str, rows: int, repeats: int) -> dict[str, Any]:
    """extract → transform → load of one day of `rows` transactions from a CSV export, into PostgreSQL."""
    from domains.core.pipeline import run_stage
    from domains.fraud.schema import RAW_LINE_COLUMN
    from domains.fraud.source import generate_day

    work = Path(tempfile.mkdtemp(prefix="bench-fraud-"))
    csv_path = work / "fraud_export.csv"
    generate_day("2026-11-20", rows).table.drop_columns([RAW_LINE_COLUMN]).to_pandas().to_csv(
        csv_path, index=False
    )
    url, handle = _fresh_database(server_url)
    os.environ.update(
        {
            "DATA_DIR": str(work / "data"),
            "WAREHOUSE_URL": url,
            "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}",
            "FRAUD_SOURCE": str(csv_path),
            "LOG_LEVEL": "WARNING",
        }
    )
    try:
        # Warm-up: imports (GX, pyarrow) and table creation are paid once per process, not per row.
        run_stage("fraud", "extract", "2026-11-19")
        run_stage("fraud", "transform", "2026-11-19")
        run_stage("fraud", "load", "2026-11-19")
        runs = []
        for _ in range(repeats):
            forget_bronze(work / "data", "fraud", "2026-11-20")
            stage_times = {}
            upstream: dict[str, Any] = {}
            for stage in ("extract", "transform", "load"):
                t0 = time.perf_counter()
                upstream[stage] = run_stage("fraud", stage, "2026-11-20", upstream=upstream)
                stage_times[stage] = time.perf_counter() - t0
            runs.append(stage_times)
        silver_path = upstream["transform"]["paths"]["silver"]
        load_vs_copy = bench_load_vs_copy(url, silver_path, repeats)
    finally:
        _drop_database(handle)
        shutil.rmtree(work, ignore_errors=True)  # hundreds of MB of CSV, bronze and hand-offs
    total = [sum(r.values()) for r in runs]
    best = min(range(len(runs)), key=lambda i: total[i])
    return {
        "rows": rows,
        "repeats": repeats,
        "stage_seconds_best": {k: round(v, 3) for k, v in runs[best].items()},
        "extract_to_load_seconds_median": round(statistics.median(total), 3),
        "extract_to_load_rows_per_second": round(rows / statistics.median(total)),
        "load_vs_raw_copy": load_vs_copy,
    }


def bench_load_vs_copy(url: str, silver_path: str, repeats: int) -> dict[str, Any]:
    """Our partition replace (delete + binary COPY + audit, one transaction) vs bare COPYs of the same rows.

    Baselines, each into an identically indexed table: psycopg COPY of Arrow-written CSV, psycopg COPY
    of pandas `to_csv`, and a bare ADBC binary COPY (the same mechanism ours uses, minus the rest), both
    as one record batch and in the batches ours feeds it (`pg_bulk.COPY_BATCH_ROWS`).
    """
    import adbc_driver_postgresql.dbapi as adbc
    import psycopg
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from domains.core import pg_bulk
    from domains.core.warehouse import Warehouse
    from domains.fraud.schema import SILVER

    arrow = pq.read_table(silver_path)  # what the load step reads
    frame = arrow.to_pandas()
    binary = pg_bulk.to_arrow(arrow, SILVER)
    as_csv = binary.set_column(0, "ds", pc.cast(binary.column("ds"), pa.string()))
    wh = Warehouse(url)
    wh.ensure(SILVER)
    timings: dict[str, list[float]] = {
        "ours": [],
        "csv_arrow": [],
        "csv_pandas": [],
        "adbc_binary": [],
        "adbc_binary_batched": [],
    }
    batched = pa.Table.from_batches(binary.combine_chunks().to_batches(pg_bulk.COPY_BATCH_ROWS))
    dsn = pg_bulk.adbc_uri(wh.engine)
    cols = ", ".join(f'"{c}"' for c in SILVER.columns)
    like = "(LIKE fraud_silver_transactions INCLUDING INDEXES)"
    for i in range(repeats):
        t0 = time.perf_counter()
        wh.replace_partition("2026-11-20", {SILVER: arrow})
        timings["ours"].append(time.perf_counter() - t0)
        for name in ("csv_arrow", "csv_pandas"):
            with psycopg.connect(dsn) as conn:
                conn.execute(f"CREATE TEMP TABLE raw_copy {like}")
                t0 = time.perf_counter()
                buf = io.BytesIO()
                if name == "csv_arrow":
                    pacsv.write_csv(as_csv, buf, pacsv.WriteOptions(include_header=False))
                else:
                    frame[list(SILVER.columns)].to_csv(buf, index=False, header=False)
                with conn.cursor().copy(f"COPY raw_copy ({cols}) FROM STDIN WITH (FORMAT csv)") as cp:
                    cp.write(buf.getvalue())
                conn.commit()
                timings[name].append(time.perf_counter() - t0)
        for name, data in (("adbc_binary", binary.combine_chunks()), ("adbc_binary_batched", batched)):
            with adbc.connect(dsn) as conn:
                with conn.cursor() as cur:
                    cur.execute(f"CREATE TABLE raw_{name}_{i} {like}")
                conn.commit()
                t0 = time.perf_counter()
                with conn.cursor() as cur:
                    cur.adbc_ingest(f"raw_{name}_{i}", data, mode="append")
                conn.commit()
                timings[name].append(time.perf_counter() - t0)
    best = {k: min(v) for k, v in timings.items()}
    return {
        "rows": arrow.num_rows,
        "load_step_seconds": round(best["ours"], 3),
        "raw_copy_arrow_csv_seconds": round(best["csv_arrow"], 3),
        "raw_copy_pandas_csv_seconds": round(best["csv_pandas"], 3),
        "raw_adbc_binary_copy_seconds": round(best["adbc_binary"], 3),
        "raw_adbc_binary_copy_batched_seconds": round(best["adbc_binary_batched"], 3),
        "speed_ratio_vs_raw_arrow_csv_copy": round(best["csv_arrow"] / best["ours"], 3),
        "speed_ratio_vs_raw_pandas_csv_copy": round(best["csv_pandas"] / best["ours"], 3),
        "speed_ratio_vs_raw_adbc_binary_copy": round(best["adbc_binary"] / best["ours"], 3),
        "speed_ratio_vs_raw_adbc_binary_copy_batched": round(best["adbc_binary_batched"] / best["ours"], 3),
    }


def bench_dag_parse() -> dict[str, Any]:
    code = (
        "import time; t=time.perf_counter();"
        "from airflow.dag_processing.dagbag import DagBag;"
        "t1=time.perf_counter(); b=DagBag(dag_folder='dags'); t2=time.perf_counter();"
        "print(t1-t, t2-t1, len(b.dags), len(b.import_errors))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    airflow_import, parse, dags, errors = out.stdout.strip().splitlines()[-1].split()
    return {
        "dag_folder_parse_seconds": round(float(parse), 4),
        "airflow_import_seconds": round(float(airflow_import), 3),
        "dags": int(dags),
        "import_errors": int(errors),
    }


def _in_child(section: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one bench section in a fresh interpreter and return its results."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "section.json"
        cmd = [sys.executable, "-m", "bench", "--only", section, "--in-process", "--json-out", str(out)]
        cmd += ["--rows", str(args.rows), "--repeats", str(args.repeats), "--database-url", args.database_url]
        subprocess.run(cmd, cwd=ROOT, check=True)
        found = json.loads(out.read_text())
    return {k: v for k, v in found.items() if k in SECTION_KEYS}


SECTIONS = ("calibration", "etl", "banking_etl", "api", "restaurant_api", "dag_parse")
SECTION_KEYS = ("calibration", "fraud_etl", "banking_etl", "fraud_api", "restaurant_api", "dag_parse")


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", "500000")))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    p.add_argument("--api-seconds", type=float, default=8.0, help="seconds per load round")
    p.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    p.add_argument("--in-process", action="store_true", help="run every section in this process")
    p.add_argument("--json-out", help=argparse.SUPPRESS)  # where a child process leaves its results
    args = p.parse_args()
    only = set(args.only.split(","))
    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    etl_sections = [s for s in ("etl", "banking_etl") if s in only]
    if etl_sections and not args.in_process:
        only.add("calibration")  # ETL figures mean little without the hour's speed beside them
    if "calibration" in only:
        from bench.calibration import calibrate

        print("calibration: fixed CPU and COPY workloads ...", flush=True)
        results["calibration"] = calibrate(args.database_url)
    if etl_sections and not args.in_process:
        # One fresh process per ETL section, as Airflow gives each task its own: otherwise a section
        # runs on the heap of what ran before it (banking's transform peak RSS: 1.79 GB after fraud,
        # 1.14 GB alone), and with pyarrow loaded before `domains` could tune its allocator.
        for section in etl_sections:
            results.update(_in_child(section, args))
    else:
        if "etl" in only:
            print(f"fraud ETL into PostgreSQL, {args.rows} rows, {args.repeats} repeats ...", flush=True)
            results["fraud_etl"] = bench_etl(args.database_url, args.rows, args.repeats)
        if "banking_etl" in only:
            from bench.banking import bench_banking_etl

            print(
                f"banking ETL into PostgreSQL, {args.rows} transactions, {args.repeats} repeats ...",
                flush=True,
            )
            results["banking_etl"] = bench_banking_etl(args.database_url, args.rows, args.repeats)
    if "api" in only:
        from bench.api import bench_api

        print("fraud API vs bare FastAPI, 32 connections, one uvicorn worker each ...", flush=True)
        results["fraud_api"] = bench_api(seconds=args.api_seconds)
    if "restaurant_api" in only:
        from bench.restaurant import bench_restaurant_api

        print("restaurant API: 10,000-review /predict/batch and sequential /predict ...", flush=True)
        results["restaurant_api"] = bench_restaurant_api()
    if "dag_parse" in only:
        results["dag_parse"] = bench_dag_parse()
    if args.json_out:  # a child of _in_child: the parent merges and writes latest.json
        Path(args.json_out).write_text(json.dumps(results))
        return 0
    RESULTS.mkdir(parents=True, exist_ok=True)
    latest = RESULTS / "latest.json"
    # --only refreshes some sections; keep the others from the previous run (each is dated).
    merged = json.loads(latest.read_text()) if latest.exists() else {}
    for key in SECTION_KEYS:
        if key in results:
            results[key] = {"measured_at": results["measured_at"], **results[key]}
    merged.update(results)
    latest.write_text(json.dumps(merged, indent=2))
    print(json.dumps(results, indent=2))
    print(f"written to {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
