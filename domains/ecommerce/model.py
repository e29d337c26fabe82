"""The customer-value model as served: XGBoost spend over the horizon and the features behind each figure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from domains.core.boosted import load_booster, tree_range
from domains.core.model_store import ModelRef
from domains.core.settings import Settings


@dataclass
class ValueModel:
    """A loaded version: the booster, its feature order and metadata."""

    booster: Any
    features: list[str]
    version: str
    meta: dict[str, Any]

    @classmethod
    def load(cls, settings: Settings, ref: ModelRef) -> ValueModel:
        booster, meta = load_booster(settings, ref)
        return cls(booster, list(meta["features"]), ref.version, meta)

    @property
    def _trees(self) -> tuple[int, int]:
        return tree_range(self.meta)

    def _matrix(self, values: np.ndarray) -> Any:
        import xgboost as xgb

        # Trained from the baseline as base margin: every prediction starts from the customer's rate.
        margin = baseline_margin(values[:, self.features.index("spend_rate")], int(self.meta["horizon_days"]))
        return xgb.DMatrix(
            values.astype(np.float32), feature_names=self.features, missing=np.nan, base_margin=margin
        )

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Predicted net spend over the horizon per customer, in one vectorised call."""
        if frame.empty:
            return np.zeros(0)
        values = frame[self.features].to_numpy(dtype=np.float64, na_value=np.nan)
        return self.booster.predict(self._matrix(values), iteration_range=self._trees)

    def explain(self, values: np.ndarray, top: int = 3) -> list[list[dict[str, Any]]]:
        """Per row, the features that moved the prediction most away from the customer's average rate
        (log-scale contributions, signed)."""
        contrib = self.booster.predict(self._matrix(values), pred_contribs=True, iteration_range=self._trees)[
            :, :-1
        ]
        order = np.argsort(-np.abs(contrib), axis=1)[:, :top]
        return [
            [
                {
                    "feature": self.features[j],
                    "value": _finite(values[i, j]),
                    "contribution": round(float(contrib[i, j]), 4),
                }
                for j in row
            ]
            for i, row in enumerate(order)
        ]


def baseline_margin(spend_rate: np.ndarray, horizon: int) -> np.ndarray:
    """log of the average-rate baseline: the trees start from it and learn only how a customer differs.

    A floor of 1 (currency unit) keeps customers with no net spend finite on the log scale.
    """
    rate = np.nan_to_num(np.asarray(spend_rate, dtype=float), nan=0.0)
    return np.log(np.maximum(rate * horizon, 1.0))


def _finite(v: float) -> float | None:
    return None if not np.isfinite(v) else round(float(v), 4)
