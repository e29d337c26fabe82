"""Serving for a calibrated risk classifier (healthcare readmission, HR attrition): one load, one
scoring path with bands, threshold and reasons; each domain supplies its features and extra fields."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import pandas as pd
from pydantic import BaseModel, Field

from domains.core import model_store
from domains.core.boosted import BoostedClassifier
from domains.core.serving import DomainService, LoadedModel, ModelSmokeTestError
from domains.core.settings import Settings


class RiskFactor(BaseModel):
    feature: str
    value: float | None
    contribution: float = Field(description="Push towards the event, in log-odds before calibration")


class RiskService(DomainService):
    """A DomainService whose model is a BoostedClassifier; subclasses name their fields and features."""

    outcome_field: ClassVar[str] = "risk_band"
    # Response field names for the calibrated probability and the at-or-above-threshold flag.
    risk_field: ClassVar[str]
    flag_field: ClassVar[str]

    @abstractmethod
    def features(self, records: Sequence[BaseModel]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        """The model's feature frame for a batch, and per record any domain fields for the response."""

    def load_model(self, settings: Settings, ref: model_store.ModelRef) -> LoadedModel:
        model = BoostedClassifier.load(settings, ref)
        # One scoring thread per call: the API scores in a worker while the event loop parses.
        model.booster.set_param({"nthread": 1})
        return LoadedModel(ref.name, ref.version, ref.run_id, model, model.meta)

    def predict(self, model: LoadedModel, records: Sequence[BaseModel]) -> list[dict[str, Any]]:
        clf: BoostedClassifier = model.impl
        features, extras = self.features(records)
        proba, reasons = clf.score_with_reasons(clf.values(features))
        threshold = round(clf.threshold, 6)
        return [
            {
                self.risk_field: p,
                "risk_band": str(band),
                self.flag_field: p >= threshold,
                "threshold": threshold,
                **extra,
                "model_version": model.version,
                "top_factors": r,
            }
            for p, band, extra, r in zip(
                proba.round(6).tolist(), clf.bands(proba), extras, reasons, strict=True
            )
        ]

    def check_prediction(self, model: LoadedModel, prediction: dict[str, Any]) -> None:
        p = prediction.get(self.risk_field)
        if not isinstance(p, float) or not 0.0 <= p <= 1.0:
            raise ModelSmokeTestError(f"v{model.version} scored the example {p!r}, not a probability")
