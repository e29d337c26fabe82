"""Model behaviour: the champion beats the average-rate baseline on held-out customers, and is traceable."""

from __future__ import annotations

from domains.core import model_store, promotion
from domains.core.ops import LINEAGE
from domains.core.pipeline import make_context
from domains.ecommerce.model import ValueModel
from domains.ecommerce.schema import GOLD_RFM, GOLD_VALUE, SEGMENTS
from domains.ecommerce.train import baseline_prediction, regression_metrics

DAY = "2026-11-19"


def test_champion_beats_the_average_rate_baseline_on_held_out_customers(ecommerce_env) -> None:
    ctx = make_context("ecommerce", DAY)
    ref = promotion.current_champion(ctx)
    assert ref is not None, "five weeks of orders must leave a champion"
    model = ValueModel.load(ctx.settings, ref)
    holdout = promotion.holdout_frame(ctx, model.meta, ref)
    y = holdout["target"].to_numpy(float)
    ours = regression_metrics(y, model.predict(holdout))
    base = regression_metrics(
        y, baseline_prediction(holdout, model.meta["observed_days"], model.meta["horizon_days"])
    )
    assert ours["rmse"] < base["rmse"]
    assert ours["spearman"] > 0.3  # the ranking carries signal
    assert (model.predict(holdout) >= 0).all()
    metrics = model_store.run_metrics(ctx.settings, ref)
    assert metrics["test_rmse"] < metrics["baseline_test_rmse"]


def test_rfm_segments_value_and_lineage_are_recorded(ecommerce_env) -> None:
    ctx = make_context("ecommerce", DAY)
    wh = ctx.warehouse
    snapshot = wh.read_table(GOLD_RFM, where="ds = :ds", params={"ds": DAY})
    assert len(snapshot) > 1000 and set(snapshot["segment"]) <= set(SEGMENTS)
    assert snapshot[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()
    value = wh.read_table(GOLD_VALUE, where="ds = :ds", params={"ds": DAY})
    assert value["customers"].sum() == len(snapshot) and (value["predicted_spend"] >= 0).all()
    ref = promotion.current_champion(ctx)
    lineage = wh.read_table(
        LINEAGE, where="domain = 'ecommerce' AND model_version = :v", params={"v": ref.version}
    )
    assert len(lineage) >= 30 and lineage["source_checksum"].notna().all()
