"""Financial validate stage: the gate against the random walk and the champion, then tracking.

Tracking: the champion forecasts every ticker's next bar each run; once those bars arrive, the
forecasts are scored against them (rolling RMSE next to the random walk's, directional accuracy), and
the recent returns' distribution is compared with the training data's (PSI).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd

from domains.core import ops, promotion
from domains.core.drift import psi
from domains.core.pipeline import StageContext
from domains.financial import forecast
from domains.financial.model import ForecastModel
from domains.financial.schema import FORECASTS, GOLD_DAILY, GOLD_TRACKING, INDICATORS
from domains.financial.train import evaluate, forecast_metrics

# Forecasts scored per tracking row: the last month of trading days.
TRACKING_DAYS = 21


def walk_forward_check(ctx: StageContext, model: ForecastModel) -> tuple[bool, list[str]]:
    """The gate judges the held-out block; walk-forward over every fold must beat the random walk too."""
    ratio = float(model.meta["walk_forward"]["metrics"]["rmse_ratio_to_random_walk"])
    need = 1.0 - ctx.spec.gate.min_gain_over_baseline
    if not ratio <= need:
        return False, [
            f"walk-forward RMSE ratio to the random walk is {ratio:.4f}, not below {need:.4f}: "
            "over the validation folds the LSTM forecasts no better than 'tomorrow = today'"
        ]
    return True, [f"walk-forward RMSE ratio to the random walk {ratio:.4f} beats it"]


def validate(ctx: StageContext) -> dict[str, Any]:
    """Promote the challenger only if it beats the random walk (walk-forward and held out) and the
    champion; monitor with whichever model is champion afterwards, and say plainly when none beats it."""
    result = promotion.validate_stage(
        ctx,
        lambda ref: ForecastModel.load(ctx.settings, ref),
        evaluate,
        lambda model: monitor(ctx, model),
        extra_check=lambda model: walk_forward_check(ctx, model),
    )
    if result["promoted"]:
        verdict = f"v{result['model_version']} beats the random walk and is the champion"
    elif result["champion_version"] is None:
        verdict = (
            f"no model beats the random walk yet: v{result['model_version']} stays a challenger and "
            "the API has no champion to serve"
        )
    else:
        verdict = (
            f"v{result['model_version']} stays a challenger; v{result['champion_version']} remains champion"
        )
    ctx.progress(verdict, reasons=result["reasons"])
    return {**result, "verdict": verdict}


def tracking(ctx: StageContext, model: ForecastModel) -> dict[str, Any]:
    """Forecasts whose bar has arrived, scored over the last `TRACKING_DAYS` target dates."""
    # Only recent forecasts can be among the last TRACKING_DAYS target dates: the read stays small.
    lo = (ctx.day - timedelta(days=3 * TRACKING_DAYS)).isoformat()
    made = ctx.warehouse.read_table(
        FORECASTS,
        ["ticker", "target_date", "predicted_return"],
        where="ds <= :ds AND ds >= :lo",
        params={"ds": ctx.ds, "lo": lo},
    )
    if made.empty:
        return {"forecasts_scored": 0}
    made = made.drop_duplicates(["ticker", "target_date"], keep="last")
    lo = pd.to_datetime(made["target_date"]).min().date().isoformat()
    actual = ctx.warehouse.read_table(
        INDICATORS,
        ["ticker", "date", "log_return"],
        where='ds <= :ds AND "date" >= :lo',
        params={"ds": ctx.ds, "lo": lo},
    )
    joined = made.merge(actual, left_on=["ticker", "target_date"], right_on=["ticker", "date"])
    joined = joined.dropna(subset=["log_return"])
    recent = sorted(joined["target_date"].unique())[-TRACKING_DAYS:]
    joined = joined.loc[joined["target_date"].isin(recent)]
    if joined.empty:
        return {"forecasts_scored": 0}
    m = forecast_metrics(joined["predicted_return"].to_numpy(float), joined["log_return"].to_numpy(float))
    keep = ("rmse_return", "random_walk_rmse_return", "rmse_ratio_to_random_walk", "directional_accuracy")
    return {"forecasts_scored": len(joined), **{k: m[k] for k in keep}}


def monitor(ctx: StageContext, model: ForecastModel) -> dict[str, Any]:
    """Forecast each ticker's next bar, score past forecasts, measure drift and the day's data quality."""
    bars = forecast.recent_bars(ctx.warehouse, ctx.day)
    made = forecast.forecast(model, forecast.latest_windows(bars, model.window))
    frame = made.assign(ds=ctx.ds, model_version=model.version)[list(FORECASTS.columns)]
    ctx.warehouse.replace_partition(ctx.ds, {FORECASTS: frame})
    tracked = tracking(ctx, model)
    recent = bars.loc[bars["date"] >= bars["date"].max() - pd.Timedelta(days=30)] if len(bars) else bars
    drift = psi(model.meta.get("reference_profile", {}), recent)
    ops.record_drift(ctx.warehouse, "financial", ctx.ds, model.version, drift)
    row = {
        "ds": ctx.ds,
        "model_version": model.version,
        "forecasts_scored": tracked["forecasts_scored"],
        **{
            k: tracked.get(k, float("nan"))
            for k in (
                "rmse_return",
                "random_walk_rmse_return",
                "rmse_ratio_to_random_walk",
                "directional_accuracy",
            )
        },
        "returns_psi": drift.get("log_return", float("nan")),
        "beats_random_walk_at_training": int(bool(model.meta.get("beats_random_walk"))),
    }
    ctx.warehouse.replace_partition(ctx.ds, {GOLD_TRACKING: pd.DataFrame([row])[list(GOLD_TRACKING.columns)]})
    if tracked["forecasts_scored"]:
        ops.record_model_metrics(
            ctx.warehouse,
            "financial",
            ctx.ds,
            ctx.run_id,
            ctx.spec.registered_model_name,
            model.version,
            "champion_live",
            {k: v for k, v in tracked.items() if isinstance(v, float)},
        )
    quality = ctx.warehouse.read_table(GOLD_DAILY, where="ds = :ds", params={"ds": ctx.ds})
    worst = max(drift.items(), key=lambda kv: kv[1]) if drift else (None, 0.0)
    return {
        "forecasts_made": len(made),
        "forecast_for": str(made["target_date"].max()) if len(made) else None,
        "tracking": {k: (round(v, 5) if isinstance(v, float) else v) for k, v in tracked.items()},
        "max_psi_feature": worst[0],
        "max_psi": round(float(worst[1]), 4),
        "market_data": quality.drop(columns=["ds"]).iloc[0].to_dict() if len(quality) else {},
    }
