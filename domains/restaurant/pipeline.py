"""Maps the six pipeline stages to the restaurant domain's functions (the DAG and the CLI look here)."""

from __future__ import annotations

from typing import Any

from domains.core import health, promotion
from domains.core.model_store import ModelRef
from domains.core.pipeline import StageContext, StageFn
from domains.restaurant.etl import extract, load, transform
from domains.restaurant.model import SentimentModel
from domains.restaurant.monitoring import validate
from domains.restaurant.schema import SENTIMENTS
from domains.restaurant.train import train


def health_check(ctx: StageContext) -> dict[str, Any]:
    def score_in_process(ref: ModelRef) -> dict[str, Any]:
        import numpy as np

        model = SentimentModel.load(ctx.settings, ref)
        sample = promotion.holdout_frame(ctx, model.meta, ref).head(1000)
        proba, reasons = model.score(sample["tokens"].tolist())
        if not (
            proba.shape == (len(sample), len(SENTIMENTS)) and np.allclose(proba.sum(axis=1), 1, atol=1e-4)
        ):
            raise health.HealthCheckError(
                f"restaurant champion v{ref.version} produced invalid probabilities"
            )
        return {"rows_scored": len(sample), "example_reasons": reasons[0]}

    return health.health_check(ctx, score_in_process)


STAGES: dict[str, StageFn] = {
    "extract": extract,
    "transform": transform,
    "load": load,
    "train": train,
    "validate": validate,
    "health_check": health_check,
}
