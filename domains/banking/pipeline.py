"""Maps the six pipeline stages to the banking domain's functions (the DAG and the CLI look here)."""

from __future__ import annotations

from typing import Any

from domains.banking.etl import extract, load, transform
from domains.banking.monitoring import validate
from domains.banking.serving import SERVICE
from domains.banking.train import train
from domains.core import health
from domains.core.pipeline import StageContext, StageFn


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
