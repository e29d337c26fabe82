"""Runs a domain's stages the same way from the CLI, tests and Airflow tasks, measuring each one."""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from domains.core import ops
from domains.core.logs import captured_to, configure_logging, get_logger
from domains.core.registry import get_spec
from domains.core.resources import measure_resources
from domains.core.settings import Settings, SourceSettings, get_settings, get_source_settings
from domains.core.spec import STAGES, DomainSpec
from domains.core.warehouse import Warehouse

log = get_logger(__name__)

StageFn = Callable[["StageContext"], dict[str, Any]]


@dataclass
class StageContext:
    """What a stage may use: the spec, the run's logical date, settings, warehouse, upstream results."""

    spec: DomainSpec
    ds: str
    run_id: str
    settings: Settings
    source: SourceSettings
    warehouse: Warehouse
    upstream: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return date.fromisoformat(self.ds)

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir)

    def domain_dir(self, *parts: str) -> Path:
        path = self.data_dir.joinpath(self.spec.name, *parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def log_dir(self) -> Path:
        """Where every stage of this domain and date keeps its log (JSON lines)."""
        return self.data_dir / self.spec.name / "logs" / f"ds={self.ds}"

    def progress(self, msg: str, **fields: Any) -> None:
        log.info(msg, extra={"domain": self.spec.name, "ds": self.ds, "run_id": self.run_id, **fields})


def normalise_ds(value: date | datetime | str | None) -> str:
    """The run's logical date as YYYY-MM-DD; default yesterday (UTC), the last complete day."""
    if value is None:
        return (datetime.utcnow().date() - timedelta(days=1)).isoformat()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value)[:10]).isoformat()


def make_context(
    domain: str,
    ds: date | datetime | str | None,
    run_id: str | None = None,
    upstream: Mapping[str, dict[str, Any]] | None = None,
    warehouse_url: str | None = None,
) -> StageContext:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    ds = normalise_ds(ds)
    spec = get_spec(domain)
    return StageContext(
        spec=spec,
        ds=ds,
        run_id=run_id or f"cli__{ds}__{uuid.uuid4().hex[:8]}",
        settings=settings,
        source=get_source_settings(domain, spec.source_defaults),
        warehouse=Warehouse(warehouse_url or settings.warehouse_url),
        upstream=dict(upstream or {}),
    )


def stage_function(spec: DomainSpec, stage: str) -> StageFn:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
    if not spec.built:
        raise NotImplementedError(f"the {spec.name} pipeline is not built yet (only its spec is declared)")
    module = importlib.import_module(spec.pipeline_module)
    return module.STAGES[stage]


def run_stage(
    domain: str,
    stage: str,
    ds: date | datetime | str | None = None,
    run_id: str | None = None,
    upstream: Mapping[str, dict[str, Any]] | None = None,
    warehouse_url: str | None = None,
) -> dict[str, Any]:
    """Run one stage, record its CPU, wall time, peak memory and cost in ops, return its metadata."""
    ctx = make_context(domain, ds, run_id, upstream, warehouse_url)
    fn = stage_function(ctx.spec, stage)
    with captured_to(ctx.log_dir / f"{stage}.log"):
        return _run_measured(ctx, stage, fn)


def _run_measured(ctx: StageContext, stage: str, fn: StageFn) -> dict[str, Any]:
    domain = ctx.spec.name
    ctx.progress(f"{domain}.{stage} starting")
    error: Exception | None = None
    result: dict[str, Any] = {}
    with measure_resources(ctx.settings.cpu_hour_cost_usd) as usage:
        try:
            result = fn(ctx)
        except Exception as exc:  # re-raised below, once the usage is recorded
            error = exc
    status = "failed" if error else "success"
    try:
        ctx.warehouse.append(
            ops.TASK_RESOURCES,
            pd.DataFrame(
                [
                    {
                        "ds": ctx.ds,
                        "domain": domain,
                        "stage": stage,
                        "run_id": ctx.run_id,
                        "status": status,
                        "wall_seconds": usage.wall_seconds,
                        "cpu_seconds": usage.cpu_seconds,
                        "peak_rss_mb": usage.peak_rss_mb,
                        "cost_usd": usage.cost_usd,
                        "recorded_at": ops.utcnow(),
                    }
                ]
            ),
        )
    except Exception:  # resource accounting must never fail the stage it measured
        log.exception("could not record task resources", extra={"domain": domain, "stage": stage})
    if error is not None:
        ctx.progress(f"{domain}.{stage} failed after {usage.wall_seconds:.2f}s: {error}")
        raise error
    result = dict(result)
    result["resources"] = {
        "wall_seconds": round(usage.wall_seconds, 3),
        "cpu_seconds": round(usage.cpu_seconds, 3),
        "peak_rss_mb": round(usage.peak_rss_mb, 1),
        "cost_usd": round(usage.cost_usd, 6),
    }
    ctx.progress(f"{domain}.{stage} done in {usage.wall_seconds:.2f}s", result=result)
    return result


def run_pipeline(
    domain: str,
    ds: date | datetime | str | None = None,
    warehouse_url: str | None = None,
    stages: tuple[str, ...] = STAGES,
) -> dict[str, dict[str, Any]]:
    """Every stage in order, each fed the results of the ones before (what XCom does in Airflow)."""
    ds = normalise_ds(ds)
    run_id = f"cli__{ds}__{uuid.uuid4().hex[:8]}"
    results: dict[str, dict[str, Any]] = {}
    t0 = time.perf_counter()
    for i, stage in enumerate(stages, start=1):
        print(f"[{domain} {ds}] ({i}/{len(stages)}) {stage} ...", flush=True)
        results[stage] = run_stage(domain, stage, ds, run_id, results, warehouse_url)
        print(f"[{domain} {ds}] ({i}/{len(stages)}) {stage} ok: {_summary(results[stage])}", flush=True)
    print(f"[{domain} {ds}] pipeline finished in {time.perf_counter() - t0:.1f}s", flush=True)
    return results


def _summary(result: Mapping[str, Any]) -> str:
    keys = [k for k in result if k != "resources" and not isinstance(result[k], dict | list)]
    return ", ".join(f"{k}={result[k]}" for k in keys[:8])
