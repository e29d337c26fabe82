"""The health_check stage: ask the domain API to reload the champion, or score in-process if it is down."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import httpx

from domains.core import model_store
from domains.core.errors import PermanentError
from domains.core.pipeline import StageContext
from domains.core.spec import DomainSpec
from domains.core.tokens import mint_token


class HealthCheckError(RuntimeError):
    """The champion cannot be served right now: the API refused it, or it does not load or score."""


class NoChampionError(PermanentError):
    """No model passed the gate yet, so there is nothing to serve; retrying will not change that."""


def api_base_url(ctx: StageContext) -> str:
    return spec_api_url(ctx.spec)


def spec_api_url(spec: DomainSpec) -> str:
    """Where a domain's API answers: `<DOMAIN>_API_URL`, else its port on this host."""
    return os.environ.get(f"{spec.name.upper()}_API_URL", f"http://127.0.0.1:{spec.api_port}")


def health_check(
    ctx: StageContext,
    score_in_process: Callable[[model_store.ModelRef], dict[str, Any]],
    no_champion_ok: bool = False,
) -> dict[str, Any]:
    """Reload + /health through the running API; when none answers, load and score the champion here.

    With `no_champion_ok`, a domain where no model may pass the gate (a forecaster that cannot beat the
    random walk) reports that instead of failing the run.
    """
    champion = model_store.get_alias(ctx.settings, ctx.spec.registered_model_name, model_store.CHAMPION)
    if champion is None and no_champion_ok:
        message = f"{ctx.spec.name}: no champion to serve; no model has passed the gate yet"
        ctx.progress(message)
        return {"mode": "no_champion", "model_version": None, "message": message}
    if champion is None:
        raise NoChampionError(
            f"{ctx.spec.name}: no champion model is registered; the challenger did not pass the gate "
            "(see the validate task's log and the model version's gate_reasons tag)"
        )
    base = api_base_url(ctx)
    token = mint_token(
        "pipeline-health-check", ["admin", "predict"], ctx.settings.api_jwt_secret.get_secret_value(), 300
    )
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, timeout=30.0) as http:
            reload = http.post("/admin/reload", headers=headers)
            health = http.get("/health")
    except httpx.TransportError:
        ctx.progress(f"no API answers at {base}; checking the champion in-process")
        result = score_in_process(champion)
        return {"mode": "in_process", "api": base, "model_version": champion.version, **result}
    body = health.json() if health.headers.get("content-type", "").startswith("application/json") else {}
    served = str(body.get("model_version"))
    if reload.status_code >= 400 or health.status_code != 200 or served != champion.version:
        raise HealthCheckError(
            f"{ctx.spec.name} API at {base} did not take champion v{champion.version}: "
            f"reload={reload.status_code}, health={health.status_code}, serving={served}, body={body}"
        )
    return {"mode": "api", "api": base, "model_version": champion.version, "status": body.get("status")}


def service_health_check(ctx: StageContext, service: Any) -> dict[str, Any]:
    """health_check for a domain whose in-process fallback is its serving code: load the champion,
    smoke-test it on the service's example and report that prediction."""

    def score_in_process(ref: model_store.ModelRef) -> dict[str, Any]:
        return {"example_prediction": service.smoke_test(service.load_model(ctx.settings, ref))}

    return health_check(ctx, score_in_process)
