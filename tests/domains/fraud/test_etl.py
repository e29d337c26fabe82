"""Fraud extract → transform → load on a real warehouse: reconciliation, privacy, idempotency, bad input."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from domains.core.bronze import partition_dir
from domains.core.pipeline import make_context, run_pipeline, run_stage
from domains.core.quality import DQ_RESULTS, DataQualityError
from domains.core.warehouse import TableDef
from domains.fraud.schema import GOLD_DAILY, PERSONAL_COLUMNS, QUARANTINE, RAW_LINE_COLUMN, SILVER
from domains.fraud.source import generate_day

ETL = ("extract", "transform", "load")
DAY = "2026-11-20"


def _counts(ctx) -> dict[str, int]:
    wh = ctx.warehouse
    return {t.name: wh.count(t, DAY) for t in (SILVER, QUARANTINE, GOLD_DAILY)}


def test_every_bronze_row_lands_in_silver_or_quarantine_and_reruns_replace(isolated_env) -> None:
    first = run_pipeline("fraud", DAY, stages=ETL)
    ctx = make_context("fraud", DAY)
    counts = _counts(ctx)
    bronze = first["extract"]["rows"]
    assert counts["fraud_silver_transactions"] + counts["fraud_quarantine"] == bronze == 30_000
    assert counts["fraud_gold_daily"] == 1
    snapshot = ctx.warehouse.read_table(SILVER, ["trans_num", "amt", "vel_count_24h"]).sort_values(
        "trans_num"
    )

    run_pipeline("fraud", DAY, stages=ETL)
    assert _counts(ctx) == counts
    again = ctx.warehouse.read_table(SILVER, ["trans_num", "amt", "vel_count_24h"]).sort_values("trans_num")
    pd.testing.assert_frame_equal(snapshot.reset_index(drop=True), again.reset_index(drop=True))


def test_silver_holds_no_personal_data_and_quarantine_says_why(isolated_env) -> None:
    run_pipeline("fraud", DAY, stages=ETL)
    ctx = make_context("fraud", DAY)
    silver = ctx.warehouse.read_table(SILVER)
    assert not set(PERSONAL_COLUMNS) & set(silver.columns)
    raw = generate_day(DAY, 30_000).table.to_pandas()
    assert not set(raw["cc_num"].dropna()) & set(silver["card_id"])
    assert silver["trans_num"].is_unique
    quarantine = ctx.warehouse.read_table(QUARANTINE)
    assert quarantine["rule"].notna().all()
    assert {"amount_not_numeric", "duplicate_trans_num", "invalid_timestamp"} <= set(quarantine["rule"])
    gold = ctx.warehouse.read_table(GOLD_DAILY).iloc[0]
    assert 0.003 < gold["fraud_rate"] < 0.015


def test_a_malformed_user_file_is_quarantined_row_by_row(isolated_env, tmp_path, monkeypatch) -> None:
    good = generate_day(DAY, 3000, dirty_share=0.0).table.to_pandas().drop(columns=[RAW_LINE_COLUMN])
    good.loc[0, "amt"] = "twelve"  # wrong type
    good.loc[1, "trans_date_trans_time"] = "yesterday"  # unparseable date
    good.loc[2, "lat"] = "-999"  # out of range
    good.loc[3, "cc_num"] = None  # missing
    path = tmp_path / "export.csv"
    good.to_csv(path, index=False)
    with path.open("a") as fh:
        fh.write("garbage line without enough fields\n,,,\n")
    monkeypatch.setenv("FRAUD_SOURCE", str(path))
    result = run_pipeline("fraud", DAY, stages=ETL)
    assert result["extract"]["rows"] == 3002
    ctx = make_context("fraud", DAY)
    q = ctx.warehouse.read_table(QUARANTINE)
    rules = dict(zip(q["row_number"], q["rule"], strict=True))
    assert rules[0] == "amount_not_numeric"
    assert rules[1] == "invalid_timestamp"
    assert rules[2] == "invalid_coordinates"
    assert rules[3] == "missing_required_field"
    assert list(q["rule"]).count("unparseable_row") == 2
    assert ctx.warehouse.count(SILVER, DAY) + len(q) == 3002


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_batch_breaking_its_expectations_stops_before_load(backend, request, monkeypatch) -> None:
    request.getfixturevalue("isolated_env" if backend == "sqlite" else "postgres_env")
    monkeypatch.setenv("FRAUD_DIRTY_SHARE", "0.2")  # far above the 5% quarantine limit
    run_stage("fraud", "extract", DAY)
    with pytest.raises(DataQualityError, match="max_quarantine_share"):
        run_stage("fraud", "transform", DAY)
    ctx = make_context("fraud", DAY)
    assert ctx.warehouse.count(SILVER, DAY) == 0
    if backend == "postgres":  # silver was staged before the suite failed: it must be gone
        assert _unattached(ctx) == []
    dq = ctx.warehouse.read_table(DQ_RESULTS)
    assert not dq.loc[dq["expectation"] == "max_quarantine_share", "success"].any()
    # Silver's hand-off file was being written while the batch was checked: nothing of it is left.
    handoffs = partition_dir(ctx.data_dir, "fraud", "silver", DAY)
    assert not handoffs.exists() or list(handoffs.iterdir()) == []


def test_load_without_transform_outputs_fails_clearly(isolated_env) -> None:
    with pytest.raises(FileNotFoundError, match="run transform first"):
        run_stage("fraud", "load", DAY)


@pytest.fixture
def postgres_env(tmp_path, monkeypatch, postgres_url) -> dict[str, str]:
    from tests.conftest import platform_env

    env = platform_env(tmp_path, warehouse_url=postgres_url, rows_per_day=5_000)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def _unattached(ctx) -> list[str]:
    rows = ctx.warehouse.read_sql(
        "SELECT c.relname FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid "
        "WHERE c.relkind = 'r' AND c.relname LIKE 'fraud_silver_transactions__%' AND i.inhrelid IS NULL"
    )
    return rows["relname"].tolist()


@pytest.mark.postgres
def test_transform_stages_silver_unseen_and_load_attaches_it(postgres_env) -> None:
    extract = run_stage("fraud", "extract", DAY)
    transform = run_stage("fraud", "transform", DAY, upstream={"extract": extract})
    staged = transform["staged"]["silver"]
    ctx = make_context("fraud", DAY)
    assert staged["rows"] == transform["silver_rows"]
    assert _unattached(ctx) == [staged["table"]]
    assert ctx.warehouse.count(SILVER, DAY) == 0  # staged rows are not silver until load
    load = run_stage("fraud", "load", DAY, upstream={"extract": extract, "transform": transform})
    assert load["silver_rows"] == staged["rows"] and _unattached(ctx) == []
    leaf = ctx.warehouse.scalar(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass('fraud_silver_transactions__20261120')"
    )
    assert leaf == staged["table"]
    # Staged group by group, in the hand-off file's row order (later transforms read either).
    from_db = ctx.warehouse.read_table(SILVER, ["trans_num"], where="ds = :d", params={"d": DAY})
    from_file = pd.read_parquet(transform["paths"]["silver"], columns=["trans_num"])
    assert from_db["trans_num"].tolist() == from_file["trans_num"].tolist()


STAGED = TableDef("t_parts", {"ds": "date", "id": "int", "label": "str", "source_checksum": "str"})


def _part(ds: str, ids: range) -> pd.DataFrame:
    return pd.DataFrame(
        {"ds": ds, "id": list(ids), "label": [f"row {i}" for i in ids], "source_checksum": "c0ffee"}
    )


@pytest.mark.postgres
def test_staging_fed_in_parts_stages_every_part(postgres_env) -> None:
    from domains.core import etl

    ctx = make_context("fraud", DAY)
    with etl.Staging(ctx) as staging:
        for ids in (range(0, 30_000), range(30_000, 30_000), range(30_000, 50_000)):  # one part is empty
            staging.feed("parts", STAGED, _part(DAY, ids))
        staged = staging.result()["parts"]
    assert staged["rows"] == 50_000
    ctx.warehouse.replace_partition(DAY, {STAGED: ctx.warehouse.staged(staged["table"], staged["rows"])})
    back = ctx.warehouse.read_table(STAGED).sort_values("id")
    assert back["id"].tolist() == list(range(50_000)) and back["label"].iloc[-1] == "row 49999"
    assert set(back["source_checksum"]) == {"c0ffee"}  # sent once, as the staging table's default


@pytest.mark.postgres
def test_a_part_breaking_the_batch_constants_aborts_the_staging(postgres_env) -> None:
    from domains.core import etl

    ctx = make_context("fraud", DAY)
    with pytest.raises(ValueError, match="does not hold the constant"), etl.Staging(ctx) as staging:
        staging.feed("parts", STAGED, _part(DAY, range(20_000)))
        staging.feed("parts", STAGED, _part("2026-11-21", range(20_000, 20_010)))  # another date
    leftover = ctx.warehouse.read_sql(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 't\\_parts\\_\\_20261120%'"
    )
    assert leftover.empty and ctx.warehouse.count(STAGED) == 0


@pytest.mark.postgres
def test_load_copies_the_handoff_when_the_staged_table_is_gone(postgres_env) -> None:
    extract = run_stage("fraud", "extract", DAY)
    transform = run_stage("fraud", "transform", DAY, upstream={"extract": extract})
    ctx = make_context("fraud", DAY)
    with ctx.warehouse.engine.begin() as conn:
        conn.exec_driver_sql(f'DROP TABLE "{transform["staged"]["silver"]["table"]}"')
    load = run_stage("fraud", "load", DAY, upstream={"extract": extract, "transform": transform})
    assert load["silver_rows"] == transform["silver_rows"] == ctx.warehouse.count(SILVER, DAY)


def test_load_prunes_old_and_superseded_handoffs_and_nothing_else(isolated_env, monkeypatch) -> None:
    from domains.core.bronze import partition_dir

    monkeypatch.setenv("FRAUD_ROWS_PER_DAY", "2000")
    monkeypatch.setenv("HANDOFF_RETENTION_DAYS", "2")
    old, kept = "2026-11-17", "2026-11-18"  # three and two days before DAY
    run_pipeline("fraud", old, stages=ETL)
    run_pipeline("fraud", kept, stages=ETL)
    root = partition_dir(make_context("fraud", DAY).data_dir, "fraud", "silver", DAY).parent
    # Both days' files as if written on their dates; a file of an old date written just now (a
    # backfill whose load has not run yet) stays.
    for day in (old, kept):
        written = pd.Timestamp(day).timestamp()
        for f in (root / f"ds={day}").iterdir():
            os.utime(f, (written, written))
    backfill = root / "ds=2026-11-01" / "0123456789abcdef.silver.parquet"
    backfill.parent.mkdir()
    backfill.write_bytes(b"PAR1")
    (root / f"ds={DAY}").mkdir()
    superseded = root / f"ds={DAY}" / "0123456789abcdef.silver.parquet"  # an earlier extract's
    superseded.write_bytes(b"PAR1")
    stray = root / "ds=someday"  # not a date: not ours to judge
    stray.mkdir()

    result = run_pipeline("fraud", DAY, stages=ETL)

    assert (
        result["load"]["handoff_files_pruned"] == 4 + 2 + 1
    )  # old date's files, their two JSONs; superseded
    assert not (root / f"ds={old}").exists() and not superseded.exists()
    assert stray.exists() and backfill.exists()
    assert len(list((root / f"ds={kept}").glob("*.parquet"))) == 4
    today = [p.name for p in (root / f"ds={DAY}").glob("*.parquet")]
    assert len(today) == 4 and all(n.startswith(result["extract"]["checksum"][:16]) for n in today)
    # A kept date's load can still run alone, from its files.
    assert run_stage("fraud", "load", kept)["silver_rows"] > 0


@pytest.mark.postgres
def test_history_from_a_vouched_handoff_equals_history_from_the_warehouse(postgres_env) -> None:
    """Yesterday's silver is read from its hand-off file only while its load's marker vouches for it,
    and the features come out the same either way."""
    from datetime import date

    from domains.core import etl

    yesterday = "2026-11-19"
    run_pipeline("fraud", yesterday, stages=ETL)
    ctx = make_context("fraud", DAY)
    day_before = date(2026, 11, 19)
    assert etl._loaded_handoff(ctx, day_before, "silver") is not None
    extract = run_stage("fraud", "extract", DAY)
    from_file = run_stage("fraud", "transform", DAY, upstream={"extract": extract})
    silver_path = from_file["paths"]["silver"]
    with_file = pd.read_parquet(silver_path)
    assert with_file["card_history_n"].gt(0).any()  # yesterday's rows did feed the features

    # A transform re-run rewrites the date's files: its marker goes until load vouches again.
    run_stage("fraud", "transform", yesterday)
    assert etl._loaded_handoff(ctx, day_before, "silver") is None
    from_db = run_stage("fraud", "transform", DAY, upstream={"extract": extract})
    pd.testing.assert_frame_equal(pd.read_parquet(from_db["paths"]["silver"]), with_file)
    run_stage("fraud", "load", yesterday)
    assert etl._loaded_handoff(ctx, day_before, "silver") is not None


def test_a_marker_that_disagrees_with_its_file_is_ignored(isolated_env) -> None:
    import json
    from datetime import date

    from domains.core import etl

    run_pipeline("fraud", DAY, stages=ETL)
    ctx = make_context("fraud", "2026-11-21")
    day = date(2026, 11, 20)
    [marker] = etl.partition_dir(ctx.data_dir, "fraud", "silver", day).glob(f"*{etl.LOADED_MARKER}")
    loaded = json.loads(marker.read_text())
    assert etl._loaded_handoff(ctx, day, "silver") is not None
    marker.write_text(json.dumps({**loaded, "rows": {**loaded["rows"], "silver": 1}}))  # a torn file
    assert etl._loaded_handoff(ctx, day, "silver") is None
    marker.write_text("{not json")
    assert etl._loaded_handoff(ctx, day, "silver") is None
    # The warehouse answers instead, with the same rows.
    history = etl.read_earlier(ctx, SILVER, "silver", day, ["card_id", "amt"])
    assert len(history) == ctx.warehouse.count(SILVER, DAY) > 0


def test_a_load_vouches_only_for_the_files_its_own_transform_wrote(isolated_env, monkeypatch) -> None:
    from datetime import date

    from domains.core import etl

    monkeypatch.setenv("FRAUD_ROWS_PER_DAY", "2000")
    extract = run_stage("fraud", "extract", DAY)
    first = run_stage("fraud", "transform", DAY, upstream={"extract": extract})
    second = run_stage("fraud", "transform", DAY, upstream={"extract": extract})  # replaces the files
    next_day, day = make_context("fraud", "2026-11-21"), date(2026, 11, 20)

    run_stage("fraud", "load", DAY, upstream={"extract": extract, "transform": first})  # e.g. a retry
    assert etl._loaded_handoff(next_day, day, "silver") is None
    run_stage("fraud", "load", DAY, upstream={"extract": extract, "transform": second})
    assert etl._loaded_handoff(next_day, day, "silver") is not None
