"""The endpoints of DESIGN §5, built for one domain's service (no postponed annotations: FastAPI
must see the domain's request models as real types)."""

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, ConfigDict, Field, create_model

from api.auth import Principal
from api.batcher import MicroBatcher
from api.errors import HTTPError, error_body, request_id
from api.metrics import ApiMetrics
from api.model_holder import ModelHolder
from domains.core.serving import MAX_BATCH_RECORDS, DomainService, LoadedModel
from domains.core.settings import Settings


class ErrorDetail(BaseModel):
    status: int
    type: str
    message: str
    request_id: str | None
    fields: list[dict[str, Any]]


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        401: "Missing, expired or forged token",
        403: "Token lacks the required scope",
        413: "Body larger than API_MAX_BODY_BYTES",
        422: "Malformed body; `fields` names each bad field",
        429: "Rate limit exceeded; see Retry-After",
        503: "No model loaded",
    }.items()
}


def batch_models(service: DomainService) -> tuple[type[BaseModel], type[BaseModel]]:
    """Request and response models of /predict/batch, derived from the domain's record model."""
    name = service.spec.name.capitalize()
    request = create_model(
        f"{name}BatchRequest",
        __config__=ConfigDict(
            extra="forbid", json_schema_extra={"examples": [{"records": [service.example, service.example]}]}
        ),
        records=(
            Annotated[
                list[service.record_model],  # type: ignore[name-defined]
                Field(min_length=1, max_length=MAX_BATCH_RECORDS, description="1 to 10,000 records"),
            ],
            ...,
        ),
    )
    response = create_model(
        f"{name}BatchPrediction",
        model_version=(str, ...),
        count=(int, ...),
        predictions=(list[service.prediction_model], ...),  # type: ignore[name-defined]
    )
    return request, response


def build_router(
    service: DomainService,
    holder: ModelHolder,
    batcher: MicroBatcher | None,
    metrics: ApiMetrics,
    settings: Settings,
    predict_scope: Any,
    admin_scope: Any,
) -> APIRouter:
    """All routes of one domain's API."""
    router = APIRouter()
    Record = service.record_model  # noqa: N806 (a type, named like one)
    BatchRequest, BatchPrediction = batch_models(service)  # noqa: N806
    PredictUser = Annotated[Principal, Depends(predict_scope)]  # noqa: N806
    AdminUser = Annotated[Principal, Depends(admin_scope)]  # noqa: N806

    def served_model() -> LoadedModel:
        model = holder.model
        if model is None:
            raise HTTPError(
                503, f"no model loaded: {holder.problem or 'no champion yet'}", "model_unavailable"
            )
        return model

    def count(model: LoadedModel, predictions: Sequence[dict[str, Any]]) -> None:
        outcomes = Counter(str(p.get(service.outcome_field, "scored")) for p in predictions)
        for outcome, n in outcomes.items():
            metrics.count_prediction(outcome, model.version, n)

    @router.post(
        "/predict",
        response_model=service.prediction_model,
        responses=ERRORS,
        tags=["predict"],
        summary="Score one record",
    )
    async def predict(record: Record, _: PredictUser) -> Response:  # type: ignore[valid-type]
        model = served_model()
        if batcher is not None:
            result = await batcher.submit(record)
        else:
            result = service.predict(model, [record])[0]
            metrics.batch_size.observe(1)
        metrics.count_prediction(str(result.get(service.outcome_field, "scored")), model.version)
        return JSONResponse(result)

    @router.post(
        "/predict/batch",
        response_model=BatchPrediction,
        responses=ERRORS,
        tags=["predict"],
        summary="Score up to 10,000 records in one vectorised call",
    )
    async def predict_batch(body: BatchRequest, _: PredictUser) -> Response:  # type: ignore[valid-type]
        model = served_model()
        records = body.records  # type: ignore[attr-defined]
        predictions = await asyncio.to_thread(service.predict, model, records)
        metrics.batch_size.observe(len(records))
        count(model, predictions)
        return JSONResponse(
            {"model_version": model.version, "count": len(predictions), "predictions": predictions}
        )

    @router.get("/health", tags=["ops"], summary="Liveness and the model being served")
    async def health() -> dict[str, Any]:
        return holder.health()

    @router.get("/model/info", responses=ERRORS, tags=["model"], summary="The served model and its metrics")
    async def model_info(_: PredictUser) -> dict[str, Any]:
        return {**served_model().info(), "status": holder.status, "reason": holder.problem}

    @router.get("/model/features", responses=ERRORS, tags=["model"], summary="Features with importances")
    async def model_features(_: PredictUser) -> dict[str, Any]:
        model = served_model()
        return {"model_version": model.version, "features": model.features()}

    @router.get(
        "/monitoring/quality", responses=ERRORS, tags=["ops"], summary="Latest data quality, drift, metrics"
    )
    async def monitoring_quality(_: PredictUser) -> Response:
        from domains.core.status import latest_status
        from domains.core.warehouse import Warehouse

        try:
            status = await asyncio.to_thread(
                latest_status, Warehouse(settings.warehouse_url), service.spec.name
            )
        except Exception as exc:
            raise HTTPError(
                503, f"warehouse unavailable: {type(exc).__name__}", "warehouse_unavailable"
            ) from exc
        return JSONResponse({**status, "serving": holder.health()})

    @router.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=Response)
    async def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @router.post("/admin/reload", responses=ERRORS, tags=["admin"], summary="Load the current champion now")
    async def reload(
        request: Request,
        _: AdminUser,
        force: Annotated[bool, Query(description="Reload even if the version is unchanged")] = False,
    ) -> Response:
        result = await holder.reload(force=force)
        if result.result in ("loaded", "unchanged"):
            return JSONResponse({**result.as_dict(), "health": holder.health()})
        body = error_body(
            503, result.reason or result.result, request_id(request), error_type=f"reload_{result.result}"
        )
        body["reload"] = {**result.as_dict(), "health": holder.health()}
        return JSONResponse(body, status_code=503)

    return router
