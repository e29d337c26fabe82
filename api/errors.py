"""One JSON error shape for every failure, so clients parse errors the same way everywhere."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("api.errors")

BODY_PARSE_ERROR = "There was an error parsing the body"  # fastapi.routing's message for undecodable bodies
# A 10,000-record batch can break every field; past this many the list is cut and says so.
MAX_FIELD_ERRORS = 100

ERROR_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "model_unavailable",
}


def error_body(
    status: int,
    message: str,
    request_id: str | None,
    fields: list[dict[str, Any]] | None = None,
    error_type: str | None = None,
) -> dict[str, Any]:
    """{"error": {status, type, message, request_id, fields}}: the body of every non-2xx answer."""
    return {
        "error": {
            "status": status,
            "type": error_type or ERROR_TYPES.get(status, "error"),
            "message": message,
            "request_id": request_id,
            "fields": fields or [],
        }
    }


def error_bytes(status: int, message: str, request_id: str | None, error_type: str | None = None) -> bytes:
    return json.dumps(error_body(status, message, request_id, error_type=error_type)).encode()


def request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


def field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Each failed check as {field, message, type}; `field` is the dotted path inside the body."""
    out = []
    for err in exc.errors()[:MAX_FIELD_ERRORS]:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            where, loc = loc[0], loc[1:]
        else:
            where = "body"
        if err.get("type") == "json_invalid":
            loc = []  # the location is a character offset, not a field
        out.append({"field": ".".join(loc) or where, "message": err.get("msg", ""), "type": err.get("type")})
    return out


class HTTPError(StarletteHTTPException):
    """An HTTP error with a machine-readable type (e.g. rate_limited) in the shared error shape."""

    def __init__(
        self, status_code: int, detail: str, error_type: str | None = None, headers: dict | None = None
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.error_type = error_type


def install_error_handlers(app: FastAPI, count_error: Any) -> None:
    """Route validation and HTTP errors through error_body; count each by type for /metrics."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = field_errors(exc)
        total = len(exc.errors())
        names = ", ".join(sorted({f["field"] for f in fields}))
        more = f" (first {MAX_FIELD_ERRORS} of {total} shown)" if total > MAX_FIELD_ERRORS else ""
        count_error("validation_error")
        return JSONResponse(
            error_body(422, f"invalid request: {names}{more}", request_id(request), fields), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == BODY_PARSE_ERROR:
            # FastAPI says 400 when the bytes are not decodable JSON at all (bad UTF-8, nesting too
            # deep to parse); for the client that is a malformed body like any other: 422 on `body`.
            count_error("validation_error")
            fields = [{"field": "body", "message": "body is not valid JSON", "type": "json_invalid"}]
            return JSONResponse(
                error_body(422, "invalid request: body", request_id(request), fields), status_code=422
            )
        error_type = getattr(exc, "error_type", None) or ERROR_TYPES.get(exc.status_code, "error")
        count_error(error_type)
        return JSONResponse(
            error_body(exc.status_code, str(exc.detail), request_id(request), error_type=error_type),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
