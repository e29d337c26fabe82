"""Model behaviour: the champion beats its baseline on held-out data and responds to risk factors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from domains.core import model_store
from domains.core.ops import LINEAGE, MODEL_METRICS
from domains.core.pipeline import make_context
from domains.fraud.model import FraudModel
from domains.fraud.monitoring import holdout_frame
from domains.fraud.schema import GOLD_RISK


def _champion(ctx) -> tuple[FraudModel, model_store.ModelRef]:
    ref = model_store.get_alias(ctx.settings, "fraud_model", model_store.CHAMPION)
    assert ref is not None, "the two-day run must leave a champion"
    return FraudModel.load(ctx.settings, ref), ref


def test_champion_beats_the_logistic_baseline_on_held_out_data(fraud_env) -> None:
    from sklearn.metrics import average_precision_score

    ctx = make_context("fraud", "2026-11-19")
    model, ref = _champion(ctx)
    holdout = holdout_frame(ctx, model, ref)
    pr_auc = average_precision_score(holdout["is_fraud"], model.predict_proba(holdout))
    baseline = model.meta["baseline"]["metrics"]["pr_auc"]
    assert pr_auc > baseline + 0.05
    assert 0.3 < pr_auc < 0.99  # learnable, but the data is not trivially separable
    metrics = model_store.run_metrics(ctx.settings, ref)
    assert metrics["test_pr_auc"] > metrics["baseline_test_pr_auc"]


def test_score_rises_with_a_known_risk_factor(fraud_env) -> None:
    ctx = make_context("fraud", "2026-11-19")
    model, ref = _champion(ctx)
    legit = holdout_frame(ctx, model, ref).query("is_fraud == 0").head(2000)
    base = model.predict_proba(legit)
    # A burst of card-testing: many transactions on the card within the hour.
    burst = legit.assign(vel_count_1h=legit["vel_count_1h"] + 6, vel_amount_1h=legit["vel_amount_1h"] + 30)
    raised = model.predict_proba(burst)
    assert raised.mean() > 2 * base.mean()
    # Monotone by construction (the velocity constraint), so no single row may get safer.
    assert (raised >= base - 1e-7).all()
    assert (raised > base).mean() > 0.5


def test_explanations_name_the_features_that_raised_the_score(fraud_env) -> None:
    ctx = make_context("fraud", "2026-11-19")
    model, ref = _champion(ctx)
    holdout = holdout_frame(ctx, model, ref)
    top = holdout.iloc[[int(np.argmax(model.predict_proba(holdout)))]]
    reasons = model.explain(top)[0]
    assert reasons and all(r["contribution"] > 0 for r in reasons)
    assert {r["feature"] for r in reasons} <= set(model.features)


def test_a_model_version_traces_back_to_its_partitions_and_metrics(fraud_env) -> None:
    ctx = make_context("fraud", "2026-11-19")
    _, ref = _champion(ctx)
    lineage = ctx.warehouse.read_table(LINEAGE)
    mine = lineage[lineage["model_version"] == ref.version]
    assert set(mine["ds"]) == {"2026-11-18", "2026-11-19"}
    assert mine["source_checksum"].str.len().eq(64).all()
    history = ctx.warehouse.read_table(MODEL_METRICS)
    assert {"challenger", "challenger_gate", "baseline:logistic_regression"} <= set(history["role"])
    risk = ctx.warehouse.read_table(GOLD_RISK)
    assert (risk["high_risk"] > 0).all() and isinstance(risk, pd.DataFrame)
