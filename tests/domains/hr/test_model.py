"""The trained attrition model and the HR validate stage's checks, on the session's trained platform."""

from __future__ import annotations

from typing import Any

import pytest

from domains.core import model_store, ops, privacy
from domains.core.boosted import BoostedClassifier
from domains.core.pipeline import make_context, run_stage
from domains.core.settings import get_settings
from domains.hr.schema import GOLD_GROUPS, GOLD_MODEL
from domains.hr.train import training_rows
from tests.conftest import TRAIN_DAYS

DAY = TRAIN_DAYS[1]


def _champion() -> BoostedClassifier:
    settings = get_settings()
    ref = model_store.get_alias(settings, "hr_model", model_store.CHAMPION)
    assert ref is not None
    return BoostedClassifier.load(settings, ref)


def test_champion_beats_logistic_regression(hr_env: dict[str, Any]) -> None:
    model = _champion()
    assert model.meta["baseline"]["name"] == "logistic_regression"
    assert model.meta["metrics"]["roc_auc"] > model.meta["baseline"]["metrics"]["roc_auc"]
    assert model.meta["metrics"]["roc_auc"] > 0.6  # the gate's floor


def test_risk_rises_with_overtime_and_falls_with_a_positive_comment(hr_env: dict[str, Any]) -> None:
    model = _champion()
    rows = training_rows(make_context("hr", DAY))
    no_ot = rows.assign(over_time_yes=0)
    assert (model.predict_proba(no_ot.assign(over_time_yes=1)) >= model.predict_proba(no_ot) - 1e-9).all()
    assert (
        model.predict_proba(no_ot.assign(over_time_yes=1)).mean() > model.predict_proba(no_ot).mean() + 0.03
    )
    neg = model.predict_proba(rows.assign(comment_sentiment=-0.8, has_comment=1)).mean()
    pos = model.predict_proba(rows.assign(comment_sentiment=0.8, has_comment=1)).mean()
    assert neg >= pos
    assert (
        model.predict_proba(rows.assign(comment_sentiment=-0.8, has_comment=1))
        >= model.predict_proba(rows.assign(comment_sentiment=0.8, has_comment=1)) - 1e-9
    ).all()


def test_weekly_monitoring_row_and_clean_scans(hr_env: dict[str, Any]) -> None:
    wh = make_context("hr", DAY).warehouse
    summary = wh.read_table(GOLD_MODEL, where="ds = :ds", params={"ds": DAY})
    assert len(summary) == 1
    assert summary["k_anonymity_violations"][0] == 0 and summary["pii_findings"][0] == 0
    scans = wh.read_table(ops.PRIVACY_SCANS, where="domain = 'hr' AND ds = :ds", params={"ds": DAY})
    assert set(scans["stage"]) == {"stored", "api_responses"}


def test_validate_fails_when_a_published_group_is_too_small(hr_env: dict[str, Any]) -> None:
    ctx = make_context("hr", DAY)
    groups = ctx.warehouse.read_table(GOLD_GROUPS, where="ds = :ds", params={"ds": DAY})
    try:
        ctx.warehouse.replace_partition(
            DAY, {GOLD_GROUPS: groups.assign(employees=groups["employees"].where(groups.index != 0, 2))}
        )
        with pytest.raises(privacy.PrivacyLeakError, match="fewer than 5"):
            run_stage("hr", "validate", DAY)
    finally:
        ctx.warehouse.replace_partition(DAY, {GOLD_GROUPS: groups})
