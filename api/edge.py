"""Pure-ASGI edge of every app: request ids, early refusal of large bodies, metrics, last-resort 500s.

Written as raw ASGI rather than BaseHTTPMiddleware, which costs a task and a queue per request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_bytes
from api.metrics import ApiMetrics

log = logging.getLogger("api.edge")
# Echo a client's id only if it is a sane token; anything else gets a fresh id.
_CLIENT_ID = re.compile(rb"^[A-Za-z0-9._:\-]{1,128}$")


class BodyTooLargeError(Exception):
    """Raised from receive() once a streamed body passes the limit."""


class EdgeMiddleware:
    """Adds X-Request-ID, refuses bodies over `max_body_bytes` with 413, records every request."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        # Unique per process start and cheap per request (uuid4 per request costs a syscall).
        self._prefix = uuid.uuid4().hex[:12].encode()
        self._sequence = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid: bytes | None = None
        length: int | None = None
        for name, value in scope["headers"]:
            if name == b"x-request-id" and _CLIENT_ID.match(value):
                rid = value
            elif name == b"content-length":
                length = int(value) if value.isdigit() else None
        if rid is None:
            self._sequence += 1
            rid = b"%s-%08x" % (self._prefix, self._sequence)
        scope.setdefault("state", {})["request_id"] = rid.decode()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid)]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLargeError
            return message

        try:
            if length is not None and length > self.max_body_bytes:
                await self._refuse(send_with_id, scope, 413, "payload_too_large")
            else:
                await self.app(scope, limited_receive, send_with_id)
        except BodyTooLargeError:
            if not response_started:
                await self._refuse(send_with_id, scope, 413, "payload_too_large")
        except Exception:
            # Nothing a client sends may surface as a stack trace; log it, answer in the error shape.
            log.exception("unhandled error", extra={"request_id": rid.decode(), "path": scope.get("path")})
            self.metrics.count_error("internal_error")
            if not response_started:
                await self._send_error(send_with_id, 500, "internal error; quote the request id", rid)
        finally:
            route: Any = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            self.metrics.observe_request(path, scope["method"], status, time.perf_counter() - started)

    async def _refuse(self, send: Send, scope: Scope, status: int, error_type: str) -> None:
        self.metrics.count_error(error_type)
        message = f"request body larger than {self.max_body_bytes} bytes (API_MAX_BODY_BYTES)"
        await self._send_error(send, status, message, scope["state"]["request_id"].encode())

    @staticmethod
    async def _send_error(send: Send, status: int, message: str, rid: bytes) -> None:
        body = error_bytes(status, message, rid.decode())
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
