"""The trained readmission model and the validate stage's PHI scan, on the session's trained platform."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from domains.core import model_store, ops, privacy, promotion
from domains.core.boosted import BoostedClassifier
from domains.core.pipeline import make_context, run_stage
from domains.core.settings import get_settings
from domains.healthcare.schema import GOLD_FAIRNESS, GOLD_MODEL, QUARANTINE, SILVER
from domains.healthcare.train import training_rows
from tests.conftest import TRAIN_DAYS

DAY = TRAIN_DAYS[1]


def _champion(env: dict[str, Any]) -> BoostedClassifier:
    settings = get_settings()
    ref = model_store.get_alias(settings, "healthcare_model", model_store.CHAMPION)
    assert ref is not None
    return BoostedClassifier.load(settings, ref)


def test_champion_beats_lace_and_is_calibrated(healthcare_env: dict[str, Any]) -> None:
    model = _champion(healthcare_env)
    metrics, base = model.meta["metrics"], model.meta["baseline"]["metrics"]
    assert model.meta["baseline"]["name"] == "lace_index"
    assert metrics["roc_auc"] >= base["roc_auc"] + 0.02
    assert metrics["brier"] < base["brier"]
    assert metrics["calibration_error"] < 0.05
    assert set(model.meta["by_group"]) == {"gender", "age_band"}
    holdout = promotion.holdout_frame(
        make_context("healthcare", DAY),
        model.meta,
        model_store.ModelRef("healthcare_model", model.version, "", {}),
    )
    p = model.predict_proba(holdout)
    # Calibrated: the mean predicted risk matches the observed readmission rate on unseen patients.
    assert abs(p.mean() - holdout["readmitted_30d"].mean()) < 0.03


def test_risk_rises_with_prior_inpatient_stays(healthcare_env: dict[str, Any]) -> None:
    model = _champion(healthcare_env)
    rows = training_rows(make_context("healthcare", DAY)).head(300)
    base = model.predict_proba(rows)
    more = model.predict_proba(rows.assign(number_inpatient=rows["number_inpatient"] + 3))
    assert (more >= base - 1e-9).all() and more.mean() > base.mean() + 0.05


def test_monitoring_stores_fairness_and_a_clean_scan(healthcare_env: dict[str, Any]) -> None:
    wh = make_context("healthcare", DAY).warehouse
    summary = wh.read_table(GOLD_MODEL, where="ds = :ds", params={"ds": DAY})
    assert len(summary) == 1 and summary["phi_findings"][0] == 0
    assert summary["auc_gap_gender"].notna().all()
    fairness = wh.read_table(GOLD_FAIRNESS, where="ds = :ds", params={"ds": DAY})
    assert set(fairness["dimension"]) == {"gender", "age_band"} and (fairness["encounters"] >= 11).all()
    scans = wh.read_table(ops.PRIVACY_SCANS, where="domain = 'healthcare' AND ds = :ds", params={"ds": DAY})
    assert set(scans["stage"]) == {"stored", "api_responses"}
    assert (scans.loc[scans["kind"] == "scan", "hits"] == 0).all()


@pytest.fixture
def leaky(healthcare_env: dict[str, Any]):
    """Plant something, run validate, and put the warehouse back afterwards."""
    ctx = make_context("healthcare", DAY)
    silver = ctx.warehouse.read_table(SILVER, where="ds = :ds", params={"ds": DAY})
    quarantine = ctx.warehouse.read_table(QUARANTINE, where="ds = :ds", params={"ds": DAY})
    log = ctx.log_dir / "planted.log"
    yield ctx, silver, quarantine, log
    ctx.warehouse.replace_partition(DAY, {SILVER: silver, QUARANTINE: quarantine})
    log.unlink(missing_ok=True)


@pytest.mark.parametrize("place", ["silver", "quarantine", "log"])
def test_validate_fails_on_planted_phi(leaky, place: str) -> None:
    ctx, silver, quarantine, log = leaky
    if place == "silver":
        planted = silver.copy()
        planted.loc[0, "medical_specialty"] = "see MRN00412345"
        ctx.warehouse.replace_partition(DAY, {SILVER: planted})
    elif place == "quarantine":
        planted = quarantine.copy()
        planted.loc[0, "record"] = '{"ssn": "123-45-6789"}'
        ctx.warehouse.replace_partition(DAY, {QUARANTINE: planted})
    else:
        log.write_text('{"msg": "row for jane.doe@example.com"}\n')
    with pytest.raises(privacy.PrivacyLeakError):
        run_stage("healthcare", "validate", DAY)
    scans = ctx.warehouse.read_table(
        ops.PRIVACY_SCANS, where="domain = 'healthcare' AND ds = :ds", params={"ds": DAY}
    )
    assert scans.loc[(scans["stage"] == "stored") & (scans["kind"] == "scan"), "hits"].iloc[0] > 0


def test_api_responses_are_scanned_and_clean(healthcare_env: dict[str, Any]) -> None:
    from domains.healthcare.serving import SERVICE, Encounter, silver_to_requests

    ctx = make_context("healthcare", DAY)
    silver = ctx.warehouse.read_table(SILVER, where="ds = :ds", params={"ds": DAY}).head(50)
    loaded = SERVICE.load_model(ctx.settings, promotion.current_champion(ctx))
    out = SERVICE.predict(loaded, [Encounter.model_validate(r) for r in silver_to_requests(silver)])
    assert len(out) == 50 and all(0 <= o["readmission_risk"] <= 1 for o in out)
    assert privacy.PhiScanner().scan_records("api", out).clean
    assert np.isfinite(pd.Series([o["lace_score"] for o in out])).all()
