"""The fraud model as served: XGBoost probabilities, the stored threshold, and per-feature reasons."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from domains.core import model_store
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
        model = model_store.load_xgboost(settings, ref)
        meta = model_store.load_meta(settings, ref)
        booster = model.get_booster() if hasattr(model, "get_booster") else model
        return cls(booster, list(meta["features"]), float(meta["threshold"]), ref.version, meta)

    @cached_property
    def compiled(self) -> CompiledTrees:
        from domains.core.compiled_trees import CompiledTrees  # numba: only where the model serves

        return CompiledTrees.from_booster(self.booster, self._trees[1] or None)

    @property
    def _trees(self) -> tuple[int, int]:
        # Early stopping keeps the later trees in the booster; score with the best prefix only.
        best = self.meta.get("best_iteration")
        return (0, int(best) + 1) if best is not None else (0, 0)

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
        return proba, self._top_reasons(contribs[:, :-1], values, top_k)

    def _top_reasons(
        self, contribs: np.ndarray, values: np.ndarray, top_k: int
    ) -> list[list[dict[str, float | str | None]]]:
        """Per row, the `top_k` features with the largest positive contributions, with their values."""
        order = np.argsort(-contribs, axis=1)[:, :top_k]
        # Round and convert whole arrays at once: per-element round() dominated small batches.
        top_c = np.take_along_axis(contribs, order, axis=1).round(4).tolist()
        top_v = np.take_along_axis(values.astype(float), order, axis=1).round(4).tolist()
        names = np.asarray(self.features, dtype=object)[order].tolist()
        return [
            [
                {"feature": f, "value": None if v != v else v, "contribution": c}  # v != v: NaN
                for f, v, c in zip(fs, vs, cs, strict=True)
                if c > 0
            ]
            for fs, vs, cs in zip(names, top_v, top_c, strict=True)
        ]

    def explain(self, frame: pd.DataFrame, top_k: int = 3) -> list[list[dict[str, float]]]:
        """The features that pushed each row's score up the most (TreeSHAP contributions, log-odds)."""
        if frame.empty:
            return []
        matrix = self._matrix(frame)
        contribs = np.asarray(self.booster.predict(matrix, pred_contribs=True, iteration_range=self._trees))[
            :, :-1
        ]
        values = frame[self.features].to_numpy(dtype=float, na_value=np.nan)
        return self._top_reasons(contribs, values, top_k)
