"""The typed, declarative description of a domain from which DAG, API, tests and validator derive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STAGES: tuple[str, ...] = ("extract", "transform", "load", "train", "validate", "health_check")


@dataclass(frozen=True)
class QualityThresholds:
    """Batch-level limits that stop a run before anything is loaded."""

    max_quarantine_share: float = 0.05
    min_rows: int = 100


@dataclass(frozen=True)
class ModelGate:
    """How a challenger is judged against the baseline and the champion on the same held-out data."""

    metric: str
    greater_is_better: bool = True
    # Absolute bounds the metric must meet whatever the baseline does (None: no bound).
    min_value: float | None = None
    max_value: float | None = None
    min_gain_over_baseline: float = 0.0
    min_gain_over_champion: float = 0.0


@dataclass(frozen=True)
class DomainSpec:
    """Everything the platform needs to know to schedule, serve and check one domain."""

    name: str
    description: str
    schedule: str
    api_port: int
    target: str
    model_kind: str
    baseline: str
    gate: ModelGate
    quality: QualityThresholds = field(default_factory=QualityThresholds)
    owner: str = "analytics-platform"
    tags: tuple[str, ...] = ()
    # Source settings this domain defaults to (e.g. rows_per_day); <DOMAIN>_* variables override them.
    source_defaults: Mapping[str, Any] = field(default_factory=dict)
    # Days of history `make run` loads before a domain's first DAG run (enough for train to work).
    bootstrap_history_days: int = 1
    # False until the domain's issue lands: no DAG file, reported "not ready" by the validator.
    built: bool = False

    @property
    def dag_id(self) -> str:
        return f"{self.name}_pipeline"

    @property
    def registered_model_name(self) -> str:
        return f"{self.name}_model"

    @property
    def pipeline_module(self) -> str:
        return f"domains.{self.name}.pipeline"
