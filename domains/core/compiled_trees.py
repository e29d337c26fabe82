"""XGBoost trees compiled with Numba for serving: margin and per-feature contributions in one GIL-free call.

XGBoost's own `predict(pred_contribs=True, approx_contribs=True)` recomputes every node's mean value
on each call and walks trees in 64-row blocks, so a small batch costs about a millisecond. These are
the same path-based (Saabas) contributions from flattened arrays: each node's mean is computed once,
and the kernel releases the GIL, so an API can score in a worker thread while its event loop parses.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def _saabas(
    x: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    default_left: np.ndarray,
    mean: np.ndarray,
    roots: np.ndarray,
    bias: float,
) -> np.ndarray:  # pragma: no cover (compiled; tested through CompiledTrees)
    n, n_features = x.shape
    out = np.zeros((n, n_features + 1))
    out[:, n_features] = bias
    # Tree-major: one tree's nodes stay in cache while every row walks it.
    for t in range(roots.shape[0]):
        for i in range(n):
            node = roots[t]
            while left[node] != -1:
                f = feature[node]
                value = x[i, f]
                if np.isnan(value):
                    child = left[node] if default_left[node] else right[node]
                elif value < threshold[node]:
                    child = left[node]
                else:
                    child = right[node]
                out[i, f] += mean[child] - mean[node]
                node = child
    return out


def _base_margin(learner: dict[str, Any]) -> float:
    raw = str(learner["learner_model_param"]["base_score"]).strip("[]")
    base = float(raw.split(",")[0])
    objective = learner["objective"]["name"]
    if objective in ("binary:logistic", "reg:logistic", "binary:logitraw"):
        return math.log(base / (1.0 - base)) if objective != "binary:logitraw" else base
    return base


@dataclass(frozen=True)
class CompiledTrees:
    """Flattened trees of one booster (first `n_trees` only) with precomputed node means."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    default_left: np.ndarray
    mean: np.ndarray
    roots: np.ndarray
    bias: float
    n_features: int

    @classmethod
    def from_booster(cls, booster: Any, n_trees: int | None = None) -> CompiledTrees:
        model = json.loads(booster.save_raw("json"))
        learner = model["learner"]
        trees = learner["gradient_booster"]["model"]["trees"]
        if n_trees:
            trees = trees[:n_trees]
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("f", "t", "l", "r", "d", "m")}
        roots, offset, root_mean = [], 0, 0.0
        for tree in trees:
            left = np.asarray(tree["left_children"], dtype=np.int64)
            right = np.asarray(tree["right_children"], dtype=np.int64)
            cond = np.asarray(tree["split_conditions"], dtype=np.float64)
            hess = np.asarray(tree["sum_hessian"], dtype=np.float64)
            leaf = left == -1
            mean = np.where(leaf, cond, 0.0)
            # Children always have larger ids than their parent, so one reverse pass fills the means.
            for nid in range(len(left) - 1, -1, -1):
                if not leaf[nid]:
                    lc, rc = left[nid], right[nid]
                    mean[nid] = (mean[lc] * hess[lc] + mean[rc] * hess[rc]) / hess[nid]
            roots.append(offset)
            root_mean += mean[0]
            parts["f"].append(np.asarray(tree["split_indices"], dtype=np.int32))
            parts["t"].append(cond.astype(np.float32))  # XGBoost compares in float32
            parts["l"].append(np.where(leaf, -1, left + offset).astype(np.int32))
            parts["r"].append(np.where(leaf, -1, right + offset).astype(np.int32))
            parts["d"].append(np.asarray(tree["default_left"], dtype=np.bool_))
            parts["m"].append(mean)
            offset += len(left)
        return cls(
            feature=np.concatenate(parts["f"]),
            threshold=np.concatenate(parts["t"]),
            left=np.concatenate(parts["l"]),
            right=np.concatenate(parts["r"]),
            default_left=np.concatenate(parts["d"]),
            mean=np.concatenate(parts["m"]),
            roots=np.asarray(roots, dtype=np.int32),
            bias=_base_margin(learner) + root_mean,
            n_features=int(learner["learner_model_param"]["num_feature"]),
        )

    def contributions(self, values: np.ndarray) -> np.ndarray:
        """(n, features + 1) log-odds contributions; the last column is the bias. Rows sum to the margin."""
        x = np.ascontiguousarray(values, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"expected an (n, {self.n_features}) matrix, got {x.shape}")
        return _saabas(
            x,
            self.feature,
            self.threshold,
            self.left,
            self.right,
            self.default_left,
            self.mean,
            self.roots,
            self.bias,
        )
