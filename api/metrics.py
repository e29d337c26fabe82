"""Prometheus metrics of one app, in its own registry so several apps can live in one process."""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

# `*_created` series double the exposition and no dashboard here reads them.
disable_created_metrics()

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    """Requests, latency, predictions, errors, model loads and micro-batch sizes."""

    def __init__(self, domain: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"registry": self.registry}
        self.requests = Counter("api_requests", "HTTP requests", ["route", "method", "status"], **labels)
        self.latency = Histogram(
            "api_request_duration_seconds",
            "Time from request to response",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            **labels,
        )
        self.predictions = Counter(
            "api_predictions", "Predictions served", ["outcome", "model_version"], **labels
        )
        self.errors = Counter("api_errors", "Error responses by type", ["type"], **labels)
        self.model_loads = Counter("api_model_loads", "Model load attempts by result", ["result"], **labels)
        self.model_version = Gauge(
            "api_model_version_info", "1 for the model version being served", ["domain", "version"], **labels
        )
        self.batch_size = Histogram(
            "api_scoring_batch_size",
            "Records per model call (micro-batched /predict and /predict/batch)",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 10_000),
            **labels,
        )
        self.domain = domain
        self._prediction_children: dict[tuple[str, str], Any] = {}
        self._request_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        children = self._request_children.get(key)
        if children is None:  # label lookup costs more than the increment; do it once per key
            code = str(status)
            children = (self.requests.labels(route, method, code), self.latency.labels(route, method, code))
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def count_prediction(self, outcome: str, version: str, n: int = 1) -> None:
        key = (outcome, version)
        child = self._prediction_children.get(key)
        if child is None:
            child = self._prediction_children[key] = self.predictions.labels(outcome, version)
        child.inc(n)

    def count_error(self, error_type: str) -> None:
        self.errors.labels(error_type).inc()

    def serving(self, version: str | None) -> None:
        self.model_version.clear()
        if version is not None:
            self.model_version.labels(self.domain, version).set(1)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
