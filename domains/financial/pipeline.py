"""Maps the six pipeline stages to the financial domain's functions (the DAG and the CLI look here)."""

from __future__ import annotations

from typing import Any

from domains.core import health, promotion
from domains.core.model_store import ModelRef
from domains.core.pipeline import StageContext, StageFn
from domains.financial.etl import extract, load, transform
from domains.financial.model import ForecastModel
from domains.financial.monitoring import validate
from domains.financial.train import evaluate, train


def health_check(ctx: StageContext) -> dict[str, Any]:
    def score_in_process(ref: ModelRef) -> dict[str, Any]:
        import math

        model = ForecastModel.load(ctx.settings, ref)
        metrics = evaluate(model, promotion.holdout_frame(ctx, model.meta, ref))
        if not (metrics["n"] > 0 and math.isfinite(metrics["rmse_return"])):
            raise health.HealthCheckError(f"financial champion v{ref.version} produced no finite forecasts")
        return {
            "windows_scored": int(metrics["n"]),
            "rmse_ratio_to_random_walk": metrics["rmse_ratio_to_random_walk"],
        }

    return health.health_check(ctx, score_in_process, no_champion_ok=True)


STAGES: dict[str, StageFn] = {
    "extract": extract,
    "transform": transform,
    "load": load,
    "train": train,
    "validate": validate,
    "health_check": health_check,
}
