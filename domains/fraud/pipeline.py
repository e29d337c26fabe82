"""Maps the six pipeline stages to the fraud domain's functions (the DAG and the CLI look here)."""

from __future__ import annotations

from typing import Any

from domains.core import health
from domains.core.model_store import ModelRef
from domains.core.pipeline import StageContext, StageFn
from domains.fraud.etl import extract, load, transform
from domains.fraud.model import FraudModel
from domains.fraud.monitoring import holdout_frame, validate
from domains.fraud.train import train


def health_check(ctx: StageContext) -> dict[str, Any]:
    def score_in_process(ref: ModelRef) -> dict[str, Any]:
        import numpy as np

        model = FraudModel.load(ctx.settings, ref)
        sample = holdout_frame(ctx, model, ref).head(1000)
        p = model.predict_proba(sample)
        if not (len(p) == len(sample) and np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()):
            raise health.HealthCheckError(f"fraud champion v{ref.version} produced invalid scores")
        reasons = model.explain(sample.head(1))
        return {"rows_scored": len(p), "mean_score": round(float(p.mean()), 5), "example_reasons": reasons[0]}

    return health.health_check(ctx, score_in_process)


STAGES: dict[str, StageFn] = {
    "extract": extract,
    "transform": transform,
    "load": load,
    "train": train,
    "validate": validate,
    "health_check": health_check,
}
