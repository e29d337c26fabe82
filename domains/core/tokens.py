"""JWT minting and checking (HS256, claims sub/exp/scope), shared by the APIs and health checks."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import jwt

ALGORITHM = "HS256"
KNOWN_SCOPES = frozenset({"predict", "admin"})


def mint_token(sub: str, scopes: Iterable[str], secret: str, ttl_seconds: int = 3600) -> str:
    """A signed token whose `scope` claim is a space-separated string, as OAuth2 spells it."""
    scopes = sorted(set(scopes))
    unknown = set(scopes) - KNOWN_SCOPES
    if unknown:
        raise ValueError(f"unknown scopes {sorted(unknown)}; known: {sorted(KNOWN_SCOPES)}")
    now = int(time.time())
    claims = {"sub": sub, "scope": " ".join(scopes), "iat": now, "exp": now + int(ttl_seconds)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(token: str, secret: str) -> dict[str, Any]:
    """Verify signature and expiry; raises jwt.InvalidTokenError (or a subclass) when it fails."""
    return jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "scope"]})
