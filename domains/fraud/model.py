"""The fraud model as served: XGBoost probabilities, the stored threshold, and per-feature reasons."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from domains.core.boosted import load_booster, top_reasons, tree_range
from domains.core.model_store import ModelRef
from domains.core.settings import Settings

if TYPE_CHECKING:
    from domains.core.compiled_trees import CompiledTrees


@dataclass
class FraudModel:
    """A loaded model version with everything needed to score and explain a batch."""

    booster: Any
    features: list[str]
    threshold: float
    version: str
    meta: dict[str, Any]

    @classmethod
    def load(cls, settings: Settings, ref: ModelRef) -> FraudModel:
        booster, meta = load_booster(settings, ref)
        return cls(booster, list(meta["features"]), float(meta["threshold"]), ref.version, meta)

    @cached_property
    def compiled(self) -> CompiledTrees:
        from domains.core.compiled_trees import CompiledTrees  # numba: only where the model serves

        return CompiledTrees.from_booster(self.booster, self._trees[1] or None)

    @property
    def _trees(self) -> tuple[int, int]:
        return tree_range(self.meta)

    def _matrix(self, frame: pd.DataFrame) -> Any:
        import xgboost as xgb

        missing = [f for f in self.features if f not in frame.columns]
        if missing:
            raise KeyError(f"frame lacks model features {missing}")
        values = frame[self.features].to_numpy(dtype=np.float32, na_value=np.nan)
        return xgb.DMatrix(values, feature_names=self.features, missing=np.nan)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Fraud probability per row, in one vectorised call."""
        if frame.empty:
            return np.empty(0)
        return np.asarray(self.booster.predict(self._matrix(frame), iteration_range=self._trees), dtype=float)

    def score_with_reasons(
        self, values: np.ndarray, top_k: int = 3
    ) -> tuple[np.ndarray, list[list[dict[str, float | str | None]]]]:
        """Probabilities and top risk factors for a feature matrix (columns in `self.features`).

        Path-based (Saabas) contributions sum to the log-odds exactly, so the probability comes from
        the same call; compiled trees compute them without the GIL. Exact TreeSHAP (`explain`) costs
        ~40x more per row: fine offline, too slow to serve.
        """
        if len(values) == 0:
            return np.empty(0), []
        contribs = self.compiled.contributions(values)
        proba = 1.0 / (1.0 + np.exp(-contribs.sum(axis=1)))
        return proba, top_reasons(self.features, contribs[:, :-1], values, top_k)

    def explain(self, frame: pd.DataFrame, top_k: int = 3) -> list[list[dict[str, float]]]:
        """The features that pushed each row's score up the most (TreeSHAP contributions, log-odds)."""
        if frame.empty:
            return []
        matrix = self._matrix(frame)
        contribs = np.asarray(self.booster.predict(matrix, pred_contribs=True, iteration_range=self._trees))[
            :, :-1
        ]
        values = frame[self.features].to_numpy(dtype=float, na_value=np.nan)
        return top_reasons(self.features, contribs, values, top_k)
