"""Population Stability Index per feature against the training reference, with quantile bins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

_EPS = 1e-4


def reference_profile(frame: pd.DataFrame, features: Sequence[str], bins: int = 10) -> dict[str, Any]:
    """Quantile edges and bin shares of each feature on the training data (stored with the model)."""
    profile: dict[str, Any] = {}
    for f in features:
        values = pd.to_numeric(frame[f], errors="coerce").to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
        profile[f] = {"edges": edges.tolist(), "shares": _shares(values, edges).tolist()}
    return profile


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return counts / max(counts.sum(), 1)


def psi(profile: Mapping[str, Any], frame: pd.DataFrame) -> dict[str, float]:
    """PSI = sum((cur - ref) * ln(cur / ref)) over the reference bins; 0 is identical."""
    out: dict[str, float] = {}
    for f, ref in profile.items():
        if f not in frame.columns:
            continue
        values = pd.to_numeric(frame[f], errors="coerce").to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        edges = np.asarray(ref["edges"], dtype=float)
        expected = np.clip(np.asarray(ref["shares"], dtype=float), _EPS, None)
        actual = np.clip(_shares(values, edges), _EPS, None)
        out[f] = float(np.sum((actual - expected) * np.log(actual / expected)))
    return out


def psi_severity(value: float) -> str:
    """The usual reading: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 significant shift."""
    if value < 0.1:
        return "stable"
    return "moderate" if value < 0.25 else "significant"
