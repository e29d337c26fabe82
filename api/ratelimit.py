"""Per-subject token buckets: a steady rate with a burst allowance, refused with 429 + Retry-After."""

from __future__ import annotations

import math
import time
from collections import OrderedDict


class RateLimiter:
    """In-process buckets keyed by token subject (one uvicorn worker per domain, as the APIs run)."""

    def __init__(self, per_minute: int, burst: int, max_subjects: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.enabled = per_minute > 0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_subjects = max_subjects

    def acquire(self, subject: str, now: float | None = None) -> float:
        """0.0 when allowed; otherwise the seconds until one request will be."""
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(subject, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[subject] = (tokens, now)
        if len(self._buckets) > self._max_subjects:
            self._buckets.popitem(last=False)  # forget the least recently seen subject
        return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
