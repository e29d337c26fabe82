"""Banking ETL on real stages: reconciliation per entity, every dirty kind quarantined with its rule,
idempotent re-runs, master-data deltas, gold KPIs and quality scores, user files and bad batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from domains.banking import source
from domains.banking.etl import LOADED
from domains.banking.schema import ALERTS, ENTITIES, GOLD_DAILY, GOLD_DQ, QUARANTINE, SILVER
from domains.core import ops
from domains.core.pipeline import make_context, run_pipeline
from domains.core.quality import DataQualityError
from domains.core.sources import RAW_LINE_COLUMN, SourceError
from tests.conftest import patched_env, platform_env

DAY1, DAY2 = "2026-11-18", "2026-11-19"
ETL = ("extract", "transform", "load")


def _quarantined_by_entity(wh, ds: str) -> dict[str, int]:
    q = wh.read_table(QUARANTINE, ["rule"], where="ds = :ds", params={"ds": ds})
    return q["rule"].str.split(".").str[0].value_counts().to_dict()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two days through extract, transform and load, once for the module (read-only tests share it)."""
    env = platform_env(tmp_path_factory.mktemp("banking-etl"))
    with patched_env(env):
        results = {day: run_pipeline("banking", day, stages=ETL) for day in (DAY1, DAY2)}
    return {"env": env, "results": results}


@pytest.fixture
def two_days(loaded: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, dict]:
    for key, value in loaded["env"].items():
        monkeypatch.setenv(key, value)
    return loaded["results"]


def test_every_raw_row_is_in_silver_or_quarantine_per_entity(two_days: dict[str, dict]) -> None:
    wh = make_context("banking", DAY2).warehouse
    for day, result in two_days.items():
        bronze = result["extract"]["rows"]
        quarantined = _quarantined_by_entity(wh, day)
        for entity in ENTITIES:
            assert wh.count(SILVER[entity], day) + quarantined.get(entity, 0) == bronze[entity], (day, entity)
        assert result["load"]["bronze_rows"] == sum(bronze.values())


def test_each_kind_of_dirty_row_is_quarantined_with_its_rule(two_days: dict[str, dict]) -> None:
    rules = set(make_context("banking", DAY2).warehouse.read_table(QUARANTINE, ["rule"])["rule"])
    expected = {
        "accounts.invalid_sort_code",
        "accounts.invalid_account_number",
        "accounts.invalid_iban_check_digits",
        "accounts.iban_account_mismatch",
        "accounts.unknown_customer",
        "customers.missing_required_field",
        "customers.invalid_date_of_birth",
        "customers.invalid_email",
        "transactions.invalid_counterparty_sort_code",
        "transactions.invalid_counterparty_iban",
        "transactions.counterparty_iban_mismatch",
        "transactions.unknown_currency",
        "transactions.invalid_timestamp",
        "transactions.future_timestamp",
        "transactions.amount_not_numeric",
        "transactions.amount_out_of_range",
        "transactions.unknown_account",
        "transactions.duplicate_transaction_id",
        "transactions.invalid_direction",
        "loans.invalid_annual_income",
        "loans.unknown_term",
        "loans.invalid_default_flag",
    }
    assert expected <= rules, expected - rules


def test_quarantined_row_keeps_the_raw_record_and_silver_only_clean_values(two_days: dict[str, dict]) -> None:
    wh = make_context("banking", DAY2).warehouse
    q = wh.read_table(QUARANTINE, where="rule = :r", params={"r": "transactions.unknown_currency"})
    assert not q.empty and q["record"].str.contains('"currency"').all()
    tx = wh.read_table(SILVER["transactions"], ["currency", "amount_gbp", "customer_id"])
    assert tx["currency"].isin(["GBP", "EUR", "USD", "CHF", "JPY", "AUD"]).all()
    assert tx["amount_gbp"].notna().all() and tx["customer_id"].notna().all()
    accounts = wh.read_table(SILVER["accounts"], ["iban", "sort_code", "account_number"])
    assert (accounts["iban"].str.slice(8, 14) == accounts["sort_code"].str.replace("-", "")).all()
    assert (accounts["iban"].str.slice(14) == accounts["account_number"]).all()


def test_rerun_replaces_the_partition_and_second_day_takes_only_new_master_data(two_days: dict) -> None:
    wh = make_context("banking", DAY2).warehouse
    before = {t.name: wh.count(t, DAY2) for t in LOADED.values()}
    again = run_pipeline("banking", DAY2, stages=ETL)
    assert {t.name: wh.count(t, DAY2) for t in LOADED.values()} == before
    assert again["extract"]["rows"] == two_days[DAY2]["extract"]["rows"]
    day1, day2 = two_days[DAY1]["extract"]["rows"], two_days[DAY2]["extract"]["rows"]
    assert day1["customers"] > 10_000 and day2["customers"] < 100  # the book, then one day's joiners
    audit = wh.read_table(ops.AUDIT, ["action", "ds"], where="domain = 'banking'")
    loads = audit[audit["action"] == "load"]
    assert (loads["ds"] == DAY2).sum() >= 2  # every load is audited, re-runs included
    assert (audit["action"] == "purge").sum() == len(loads)  # the retention policy ran after each load


def test_gold_kpis_quality_scores_and_planted_aml_patterns(two_days: dict[str, dict]) -> None:
    wh = make_context("banking", DAY2).warehouse
    [kpi] = wh.read_table(GOLD_DAILY, where="ds = :ds", params={"ds": DAY2}).to_dict("records")
    assert kpi["transactions"] == wh.count(SILVER["transactions"], DAY2)
    assert 0 < kpi["suspicious_activity_rate"] < 0.05 and kpi["aml_alerts"] > 0
    assert kpi["value_gbp"] == pytest.approx(kpi["credits_gbp"] + kpi["debits_gbp"], rel=1e-9)
    dq = wh.read_table(GOLD_DQ, where="ds = :ds", params={"ds": DAY2})
    assert len(dq) == 4 * 5 and dq["score"].between(0, 1).all()
    tx = dq[dq["entity"] == "transactions"].set_index("dimension")["score"]
    assert tx["uniqueness"] < 1 and tx["timeliness"] < 1 and tx["consistency"] < 1 and tx["validity"] < 1
    alerts = wh.read_table(ALERTS, where="ds = :ds", params={"ds": DAY2})
    planted = {"structuring", "rapid_in_out", "velocity_count", "high_risk_jurisdiction", "round_amount"}
    assert planted <= set(alerts["rule"]) and alerts["alert_id"].is_unique
    assert set(alerts["severity"]) <= {"low", "medium", "high"}


def _export(folder: Path, ds: str, **override: pd.DataFrame) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    raws = source.synthetic_extract(ds, None, 5_000, 400, 0.01, 2_000, "BUKB")
    for entity, raw in raws.items():
        frame = override.get(entity, raw.table.drop_columns([RAW_LINE_COLUMN]).to_pandas())
        frame.to_csv(folder / f"{entity}.csv", index=False)


def test_user_files_load_like_the_synthetic_feed(isolated_env: dict, tmp_path: Path, monkeypatch) -> None:
    _export(tmp_path / "export", DAY2)
    monkeypatch.setenv("BANKING_SOURCE", str(tmp_path / "export"))
    result = run_pipeline("banking", DAY2, stages=ETL)
    assert result["extract"]["rows"]["transactions"] > 5_000
    assert result["load"]["silver_rows"] + result["load"]["quarantined_rows"] == result["load"]["bronze_rows"]


def test_a_missing_column_stops_extract_naming_it(isolated_env: dict, tmp_path: Path, monkeypatch) -> None:
    raws = source.synthetic_extract(DAY2, None, 2_000, 100, 0.0, 2_000, "BUKB")
    tx = raws["transactions"].table.drop_columns([RAW_LINE_COLUMN, "currency"]).to_pandas()
    _export(tmp_path / "export", DAY2, transactions=tx)
    monkeypatch.setenv("BANKING_SOURCE", str(tmp_path / "export"))
    with pytest.raises(SourceError, match="currency"):
        run_pipeline("banking", DAY2, stages=ETL)


def test_a_bad_batch_stops_the_run_before_anything_is_loaded(
    isolated_env: dict, tmp_path: Path, monkeypatch
) -> None:
    raws = source.synthetic_extract(DAY2, None, 5_000, 400, 0.0, 2_000, "BUKB")
    tx = raws["transactions"].table.drop_columns([RAW_LINE_COLUMN]).to_pandas()
    tx.loc[: len(tx) // 10, "currency"] = "GPB"  # a tenth of the feed in a currency that does not exist
    _export(tmp_path / "export", DAY2, transactions=tx)
    monkeypatch.setenv("BANKING_SOURCE", str(tmp_path / "export"))
    with pytest.raises(DataQualityError, match=r"banking_silver_transactions.*max_quarantine_share"):
        run_pipeline("banking", DAY2, stages=ETL)
    wh = make_context("banking", DAY2).warehouse
    assert all(wh.count(t, DAY2) == 0 for t in LOADED.values())
