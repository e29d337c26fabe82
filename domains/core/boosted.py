"""A served binary XGBoost classifier with Platt calibration and per-feature reasons, shared by the
domains that score risk from tabular features (healthcare readmission, HR attrition)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from domains.core import model_store
from domains.core.model_store import ModelRef
from domains.core.settings import Settings

BANDS: tuple[str, ...] = ("low", "medium", "high")


def fit_platt(raw_margin: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Platt scaling on held-out margins: p = sigmoid(a * margin + b). Two numbers, stored in meta."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e6, max_iter=1000).fit(np.asarray(raw_margin).reshape(-1, 1), np.asarray(y))
    return {"a": float(lr.coef_[0, 0]), "b": float(lr.intercept_[0])}


def calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-count bins: the mean gap between predicted and observed."""
    order = np.argsort(p)
    gaps = [abs(float(np.mean(p[i]) - np.mean(y[i]))) * len(i) for i in np.array_split(order, bins) if len(i)]
    return float(sum(gaps) / max(len(p), 1))


def xgb_importances(model: Any, features: list[str] | tuple[str, ...]) -> dict[str, float]:
    """Gain importances normalised to sum to 1, every feature listed."""
    gain = model.get_booster().get_score(importance_type="gain")
    total = sum(gain.values()) or 1.0
    return {f: round(gain.get(f, 0.0) / total, 6) for f in features}


def load_booster(settings: Settings, ref: ModelRef) -> tuple[Any, dict[str, Any]]:
    """A registered XGBoost version's booster and the metadata logged beside it."""
    model = model_store.load_xgboost(settings, ref)
    booster = model.get_booster() if hasattr(model, "get_booster") else model
    return booster, model_store.load_meta(settings, ref)


def tree_range(meta: Mapping[str, Any]) -> tuple[int, int]:
    """The trees to score with: early stopping keeps later trees in the booster, the best prefix serves."""
    best = meta.get("best_iteration")
    return (0, int(best) + 1) if best is not None else (0, 0)


@dataclass
class BoostedClassifier:
    """A loaded model version: booster, feature order, calibration and metadata."""

    booster: Any
    features: list[str]
    version: str
    meta: dict[str, Any]

    @classmethod
    def load(cls, settings: Settings, ref: ModelRef) -> BoostedClassifier:
        booster, meta = load_booster(settings, ref)
        return cls(booster, list(meta["features"]), ref.version, meta)

    @property
    def _trees(self) -> tuple[int, int]:
        return tree_range(self.meta)

    def bands(self, p: np.ndarray) -> np.ndarray:
        """low / medium / high by the validation-score cut-offs stored with the model (top 30% / 10%)."""
        cuts = self.meta.get("risk_bands") or {"medium": 0.2, "high": 0.4}
        return np.asarray(BANDS, dtype=object)[
            np.searchsorted([cuts["medium"], cuts["high"]], p, side="right")
        ]

    @property
    def threshold(self) -> float:
        return float(self.meta.get("threshold", 0.5))

    def values(self, frame: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.features if f not in frame.columns]
        if missing:
            raise KeyError(f"frame lacks model features {missing}")
        return frame[self.features].to_numpy(dtype=np.float32, na_value=np.nan)

    def _matrix(self, values: np.ndarray) -> Any:
        import xgboost as xgb

        return xgb.DMatrix(values, feature_names=self.features, missing=np.nan)

    def calibrate(self, margin: np.ndarray) -> np.ndarray:
        cal = self.meta.get("calibration")
        z = margin if not cal else cal["a"] * margin + cal["b"]
        return 1.0 / (1.0 + np.exp(-z))

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probability per row, in one vectorised call."""
        if frame.empty:
            return np.empty(0)
        margin = self.booster.predict(
            self._matrix(self.values(frame)), output_margin=True, iteration_range=self._trees
        )
        return self.calibrate(np.asarray(margin, dtype=float))

    def score_with_reasons(
        self, values: np.ndarray, top_k: int = 3
    ) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
        """Calibrated probabilities and, per row, the features that raised the risk most.

        Path-based (Saabas) contributions sum exactly to the margin, so one call gives both the score
        and its reasons; exact TreeSHAP costs far more per row and ranks the same features first here.
        """
        if len(values) == 0:
            return np.empty(0), []
        contribs = np.asarray(
            self.booster.predict(
                self._matrix(values), pred_contribs=True, approx_contribs=True, iteration_range=self._trees
            ),
            dtype=float,
        )
        proba = self.calibrate(contribs.sum(axis=1))
        return proba, top_reasons(self.features, contribs[:, :-1], values, top_k)


def top_reasons(
    features: list[str], contribs: np.ndarray, values: np.ndarray, top_k: int
) -> list[list[dict[str, Any]]]:
    """Per row, the `top_k` features with the largest positive contributions, with their values."""
    order = np.argsort(-contribs, axis=1)[:, :top_k]
    top_c = np.take_along_axis(contribs, order, axis=1).round(4).tolist()
    top_v = np.take_along_axis(values.astype(float), order, axis=1).round(4).tolist()
    names = np.asarray(features, dtype=object)[order].tolist()
    return [
        [
            {"feature": f, "value": None if v != v else v, "contribution": c}  # v != v: NaN
            for f, v, c in zip(fs, vs, cs, strict=True)
            if c > 0
        ]
        for fs, vs, cs in zip(names, top_v, top_c, strict=True)
    ]
