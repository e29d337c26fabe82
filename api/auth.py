"""Bearer-JWT authentication, scope checks and per-subject rate limits as FastAPI dependencies."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import jwt
from fastapi import Request
from fastapi.security import HTTPBearer

from api.errors import HTTPError
from api.ratelimit import RateLimiter
from domains.core.tokens import decode_token

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Principal:
    """Who called, with which scopes, until when."""

    subject: str
    scopes: frozenset[str]
    expires_at: float


class TokenVerifier:
    """Verifies HS256 tokens; remembers verified ones so a busy client costs one HMAC, not one each."""

    def __init__(self, secret: str, cache_size: int = 4096) -> None:
        self._secret = secret
        self._cache: OrderedDict[str, Principal] = OrderedDict()
        self._cache_size = cache_size

    def verify(self, token: str) -> Principal:
        principal = self._cache.get(token)
        if principal is None:
            try:
                claims = decode_token(token, self._secret)
            except jwt.ExpiredSignatureError as exc:
                raise HTTPError(401, "token expired", "unauthorized", _CHALLENGE) from exc
            except jwt.InvalidTokenError as exc:
                raise HTTPError(401, f"invalid token: {exc}", "unauthorized", _CHALLENGE) from exc
            scope = claims.get("scope")
            if not isinstance(scope, str) or not isinstance(claims.get("sub"), str):
                raise HTTPError(401, "invalid token: `sub` and `scope` must be strings", "unauthorized")
            principal = Principal(claims["sub"], frozenset(scope.split()), float(claims["exp"]))
            self._cache[token] = principal
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        if principal.expires_at <= time.time():
            self._cache.pop(token, None)
            raise HTTPError(401, "token expired", "unauthorized", _CHALLENGE)
        return principal


class ScopedBearer(HTTPBearer):
    """Dependency: 401 without a valid token, 403 without `scope`, 429 over the subject's rate.

    A subclass of HTTPBearer so /docs shows the Authorize button, but with one flat call that
    reads the header from the ASGI scope: auth runs on every prediction, so its cost counts.
    """

    def __init__(self, scope: str | tuple[str, ...], verifier: TokenVerifier, limiter: RateLimiter) -> None:
        """`scope` may be several alternatives: any one of them admits the caller."""
        super().__init__(auto_error=False, scheme_name="bearer", description="JWT from `python -m api.token`")
        self.any_of = (scope,) if isinstance(scope, str) else tuple(scope)
        self.required_scope = " or ".join(f"`{s}`" for s in self.any_of)
        self.verifier = verifier
        self.limiter = limiter

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        header = b""
        for name, value in request.scope["headers"]:
            if name == b"authorization":
                header = value
                break
        scheme, _, token = header.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPError(
                401, "missing bearer token (Authorization: Bearer <JWT>)", "unauthorized", _CHALLENGE
            )
        principal = self.verifier.verify(token.strip())
        if principal.scopes.isdisjoint(self.any_of):
            raise HTTPError(403, f"token lacks the {self.required_scope} scope", "forbidden")
        wait = self.limiter.acquire(principal.subject)
        if wait > 0:
            raise HTTPError(
                429,
                f"rate limit for `{principal.subject}` exceeded; retry later",
                "rate_limited",
                {"Retry-After": self.limiter.retry_after(wait)},
            )
        return principal
