"""Assembles one domain's FastAPI app from its DomainService: settings, model, auth, edge, routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.auth import ScopedBearer, TokenVerifier
from api.batcher import MicroBatcher
from api.edge import EdgeMiddleware
from api.errors import HTTPError, install_error_handlers
from api.metrics import ApiMetrics
from api.model_holder import ModelHolder
from api.ratelimit import RateLimiter
from api.routes import build_router
from domains.core.logs import configure_logging
from domains.core.serving import DomainService
from domains.core.settings import Settings, get_settings

log = logging.getLogger("api.factory")


@dataclass(frozen=True)
class RouteDeps:
    """What a domain's own routes (beyond the shared ones) may depend on."""

    settings: Settings
    # Any token holding `predict` or `admin` (data reads); and `admin` only.
    reader_scope: ScopedBearer
    admin_scope: ScopedBearer


def create_app(
    service: DomainService,
    settings: Settings | None = None,
    extra_routes: Sequence[Callable[[RouteDeps], APIRouter]] = (),
) -> FastAPI:
    """The domain's API. Settings are validated here, so production with default secrets never starts.

    `extra_routes` build a domain's own endpoints (banking's customers and AML alerts) with the same
    auth, rate limits, error shape and request ids as the shared ones.
    """
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    spec = service.spec
    metrics = ApiMetrics(spec.name)
    holder = ModelHolder(service, settings, metrics)
    verifier = TokenVerifier(settings.api_jwt_secret.get_secret_value())
    limiter = RateLimiter(settings.api_rate_limit_per_minute, settings.api_rate_limit_burst)
    batcher: MicroBatcher | None = None
    if settings.api_microbatch_max_size > 1:

        def score(records: Sequence[Any]) -> list[dict[str, Any]]:
            model = holder.model
            if model is None:
                raise HTTPError(503, "no model loaded", "model_unavailable")
            return service.predict(model, records)

        batcher = MicroBatcher(
            score,
            settings.api_microbatch_max_size,
            settings.api_microbatch_max_wait_ms / 1000.0,
            on_batch=metrics.batch_size.observe,
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        result = await holder.reload()
        log.info("%s API start: %s", spec.name, result.as_dict())
        tasks = []
        if batcher is not None:
            batcher.start()
        if settings.api_model_refresh_seconds > 0:
            tasks.append(asyncio.create_task(holder.watch(settings.api_model_refresh_seconds)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            if batcher is not None:
                await batcher.stop()

    app = FastAPI(
        title=f"{spec.name} prediction API",
        description=(
            f"{spec.description.capitalize()}. Serves the `champion` of `{spec.registered_model_name}` "
            "from MLflow. Authenticate with a bearer JWT: `python -m api.token --sub NAME --scope predict`."
        ),
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.holder = holder
    app.state.metrics = metrics
    app.state.settings = settings
    install_error_handlers(app, metrics.count_error)
    deps = RouteDeps(
        settings,
        reader_scope=ScopedBearer(("predict", "admin"), verifier, limiter),
        admin_scope=ScopedBearer("admin", verifier, limiter),
    )
    for build in extra_routes:
        app.include_router(build(deps))
    app.include_router(
        build_router(
            service,
            holder,
            batcher,
            metrics,
            settings,
            predict_scope=ScopedBearer("predict", verifier, limiter),
            admin_scope=ScopedBearer("admin", verifier, limiter),
        )
    )
    origins = [o.strip() for o in settings.api_cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    # Added last, so outermost: every answer, CORS preflights and 413s included, gets a request id.
    app.add_middleware(EdgeMiddleware, metrics=metrics, max_body_bytes=settings.api_max_body_bytes)
    return app
