"""Maps the six pipeline stages to the e-commerce domain's functions (the DAG and the CLI look here)."""

from __future__ import annotations

from typing import Any

from domains.core import health, promotion
from domains.core.model_store import ModelRef
from domains.core.pipeline import StageContext, StageFn
from domains.ecommerce.etl import extract, load, transform
from domains.ecommerce.model import ValueModel
from domains.ecommerce.monitoring import validate
from domains.ecommerce.train import train


def health_check(ctx: StageContext) -> dict[str, Any]:
    def score_in_process(ref: ModelRef) -> dict[str, Any]:
        import numpy as np

        model = ValueModel.load(ctx.settings, ref)
        sample = promotion.holdout_frame(ctx, model.meta, ref).head(1000)
        p = model.predict(sample)
        if not (len(p) == len(sample) and np.isfinite(p).all() and (p >= 0).all()):
            raise health.HealthCheckError(f"ecommerce champion v{ref.version} produced invalid spend")
        return {"rows_scored": len(p), "mean_predicted_spend": round(float(p.mean()), 2)}

    return health.health_check(ctx, score_in_process)


STAGES: dict[str, StageFn] = {
    "extract": extract,
    "transform": transform,
    "load": load,
    "train": train,
    "validate": validate,
    "health_check": health_check,
}
