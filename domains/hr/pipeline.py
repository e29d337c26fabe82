"""Maps the six pipeline stages to the hr domain's functions (the DAG and the CLI look here)."""

from __future__ import annotations

from typing import Any

from domains.core import health
from domains.core.pipeline import StageContext, StageFn
from domains.hr.etl import extract, load, transform
from domains.hr.monitoring import validate
from domains.hr.serving import SERVICE
from domains.hr.train import train


def health_check(ctx: StageContext) -> dict[str, Any]:
    return health.service_health_check(ctx, SERVICE)


STAGES: dict[str, StageFn] = {
    "extract": extract,
    "transform": transform,
    "load": load,
    "train": train,
    "validate": validate,
    "health_check": health_check,
}
