"""What a domain provides to be served: request schema, champion loading and batch prediction.

The API factory (api/) and the readiness validator build on this contract, so it holds no web code.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel

from domains.core import model_store
from domains.core.settings import Settings
from domains.core.spec import DomainSpec

MAX_BATCH_RECORDS = 10_000


class NoChampionError(LookupError):
    """The registry has no champion for this domain yet: nothing to serve."""


class ModelSmokeTestError(RuntimeError):
    """A loaded model failed to score the domain's example sensibly, so it must not be served."""


@dataclass
class LoadedModel:
    """A champion version in memory, with the metadata logged beside it at training time."""

    name: str
    version: str
    run_id: str
    impl: Any
    meta: dict[str, Any]
    loaded_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def info(self) -> dict[str, Any]:
        """Name, version, when it was trained, on which data, and how it scored (for /model/info)."""
        meta = self.meta
        return {
            "name": self.name,
            "version": self.version,
            "mlflow_run_id": self.run_id,
            "trained_at": meta.get("trained_at"),
            "logical_date": meta.get("logical_date"),
            "training_range": meta.get("training_range"),
            "holdout_range": meta.get("holdout_range"),
            "metrics": _finite(meta.get("metrics", {})),
            "baseline": {
                "name": meta.get("baseline", {}).get("name"),
                "metrics": _finite(meta.get("baseline", {}).get("metrics", {})),
            },
            "threshold": meta.get("threshold"),
            "loaded_at": self.loaded_at,
        }

    def features(self) -> list[dict[str, Any]]:
        """Model features with their share of total gain, most important first."""
        importances = self.meta.get("feature_importances", {})
        rows = [{"feature": f, "importance": float(importances.get(f, 0.0))} for f in self.meta["features"]]
        return sorted(rows, key=lambda r: -r["importance"])


def _finite(metrics: dict[str, Any]) -> dict[str, float | None]:
    # JSON has no NaN: an undefined metric (e.g. recall on a day without positives) is null.
    return {
        k: (float(v) if isinstance(v, int | float) and math.isfinite(v) else None) for k, v in metrics.items()
    }


class DomainService(ABC):
    """One domain's serving contract; api.factory.create_app turns it into a FastAPI app."""

    spec: ClassVar[DomainSpec]
    record_model: ClassVar[type[BaseModel]]
    prediction_model: ClassVar[type[BaseModel]]
    # A record the endpoint accepts; shown as the OpenAPI example and scored by the smoke test.
    example: ClassVar[dict[str, Any]]
    # The prediction field whose value labels the predictions counter in /metrics.
    outcome_field: ClassVar[str] = "decision"

    @abstractmethod
    def load_model(self, settings: Settings, ref: model_store.ModelRef) -> LoadedModel:
        """Load one registered version (raises when it is missing or unreadable)."""

    @abstractmethod
    def predict(self, model: LoadedModel, records: Sequence[BaseModel]) -> list[dict[str, Any]]:
        """Score a batch in one vectorised call; one JSON-ready dict per record, in order."""

    def champion_ref(self, settings: Settings) -> model_store.ModelRef:
        ref = model_store.get_alias(settings, self.spec.registered_model_name, model_store.CHAMPION)
        if ref is None:
            raise NoChampionError(
                f"no champion for {self.spec.registered_model_name} in the model registry at "
                f"{settings.mlflow_tracking_uri}; run the {self.spec.dag_id} DAG (or "
                f"`python -m domains run {self.spec.name}`) until a model passes the gate"
            )
        return ref

    def smoke_test(self, model: LoadedModel) -> dict[str, Any]:
        """Score the example and return its prediction; a model that cannot score it sensibly is
        refused before it replaces a working one."""
        try:
            # Parsed as JSON, the way requests arrive (strict models take ISO strings only from JSON).
            record = self.record_model.model_validate_json(json.dumps(self.example))
            out = self.predict(model, [record])
        except Exception as exc:
            raise ModelSmokeTestError(f"v{model.version} failed to score the example: {exc!r}") from exc
        if len(out) != 1:
            raise ModelSmokeTestError(f"v{model.version} returned {len(out)} predictions for 1 record")
        self.check_prediction(model, out[0])
        return out[0]

    @abstractmethod
    def check_prediction(self, model: LoadedModel, prediction: dict[str, Any]) -> None:
        """Raise ModelSmokeTestError when a prediction of the example is not sensible."""
