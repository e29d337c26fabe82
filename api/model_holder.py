"""Holds the served champion: loads it, swaps in a new one only after it scores, keeps the last good."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from api.metrics import ApiMetrics
from domains.core.serving import DomainService, LoadedModel, NoChampionError
from domains.core.settings import Settings

log = logging.getLogger("api.model")


@dataclass
class ReloadResult:
    """What a reload attempt did: loaded a new version, found the same one, or failed (and why)."""

    result: str  # loaded | unchanged | failed | no_champion
    version: str | None
    previous_version: str | None
    reason: str | None = None
    attempted_version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "attempted_version": self.attempted_version,
            "model_version": self.version,
            "previous_version": self.previous_version,
            "reason": self.reason,
        }


class ModelHolder:
    """The current model plus the health it reports: ok, degraded (serving last good) or no_model."""

    def __init__(self, service: DomainService, settings: Settings, metrics: ApiMetrics) -> None:
        self.service = service
        self.settings = settings
        self.metrics = metrics
        self.model: LoadedModel | None = None
        self.problem: str | None = None
        self.checked_at: str | None = None
        self._lock = asyncio.Lock()

    @property
    def status(self) -> str:
        if self.model is None:
            return "no_model"
        return "degraded" if self.problem else "ok"

    def health(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "domain": self.service.spec.name,
            "model_loaded": self.model is not None,
            "model_name": self.service.spec.registered_model_name,
            "model_version": self.model.version if self.model else None,
            "loaded_at": self.model.loaded_at if self.model else None,
            "last_checked_at": self.checked_at,
            "reason": self.problem,
        }

    async def reload(self, force: bool = False) -> ReloadResult:
        """Look up the champion; load, smoke-test and swap it in if it is new (or `force`)."""
        async with self._lock:
            return await asyncio.to_thread(self._reload, force)

    def _reload(self, force: bool) -> ReloadResult:
        current = self.model.version if self.model else None
        self.checked_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            ref = self.service.champion_ref(self.settings)
        except NoChampionError as exc:
            return self._failed("no_champion", None, current, str(exc))
        except Exception as exc:  # registry unreachable: keep serving what we have
            return self._failed("failed", None, current, f"model registry unavailable: {exc!r}")
        if self.model is not None and ref.version == current and not force:
            self.problem = None
            self.metrics.model_loads.labels("unchanged").inc()
            return ReloadResult("unchanged", current, current, attempted_version=ref.version)
        try:
            candidate = self.service.load_model(self.settings, ref)
            self.service.smoke_test(candidate)
        except Exception as exc:
            reason = f"champion v{ref.version} could not be served: {exc}"
            return self._failed("failed", ref.version, current, reason)
        self.model = candidate
        self.problem = None
        self.metrics.model_loads.labels("loaded").inc()
        self.metrics.serving(candidate.version)
        log.info("serving %s v%s (was %s)", ref.name, ref.version, current)
        return ReloadResult("loaded", candidate.version, current, attempted_version=ref.version)

    def _failed(self, result: str, version: str | None, current: str | None, reason: str) -> ReloadResult:
        self.metrics.model_loads.labels(result).inc()
        if self.model is not None:
            reason = f"{reason}; still serving v{current}"
        self.problem = reason
        log.warning(reason)
        return ReloadResult(result, current, current, reason, attempted_version=version)

    async def watch(self, every_seconds: float) -> None:
        """Background check for a new champion, so promotions reach the API without a restart."""
        while True:
            await asyncio.sleep(every_seconds)
            try:
                await self.reload()
            except Exception:  # never let the watcher die
                log.exception("periodic model check failed")
