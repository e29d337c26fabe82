"""Sliding windows of indicator rows per ticker, the next-day target, and the train-only scaler."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from domains.financial.schema import FEATURES


@dataclass
class Windows:
    """`x[i]` holds the `window` bars ending at `index.iloc[i]` (ticker, as_of, adj_close, target)."""

    x: np.ndarray
    index: pd.DataFrame

    def __len__(self) -> int:
        return len(self.index)

    def take(self, mask: np.ndarray) -> Windows:
        return Windows(self.x[mask], self.index.loc[mask].reset_index(drop=True))


def with_target(indicators: pd.DataFrame) -> pd.DataFrame:
    """Indicator rows sorted per ticker, each with the log return of its next bar (NaN at the end)."""
    ind = indicators.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
    ind["date"] = pd.to_datetime(ind["date"])
    ind["target"] = ind.groupby("ticker", sort=False)["log_return"].shift(-1)
    ind["next_date"] = ind.groupby("ticker", sort=False)["date"].shift(-1)
    return ind


def build(indicators: pd.DataFrame, window: int, need_target: bool = True) -> Windows:
    """Every window of `window` consecutive complete bars of one ticker (vectorised per ticker).

    With `need_target`, only windows whose next bar is known (training and evaluation); without it,
    the latest window of each ticker is included too (forecasting).
    """
    ind = indicators if {"target", "next_date"} <= set(indicators.columns) else with_target(indicators)
    values = ind[list(FEATURES)].to_numpy(np.float32)
    complete = np.isfinite(values).all(axis=1)
    target = ind["target"].to_numpy()
    xs, rows = [], []
    starts = np.flatnonzero(ind["ticker"].ne(ind["ticker"].shift()).to_numpy())
    ends = np.append(starts[1:], len(ind)) if len(starts) else starts
    for lo, hi in zip(starts, ends, strict=True):
        if hi - lo < window:
            continue
        block = np.lib.stride_tricks.sliding_window_view(values[lo:hi], (window, len(FEATURES)))[:, 0]
        ok = np.convolve(complete[lo:hi], np.ones(window, dtype=int), "valid") == window
        last = np.arange(lo + window - 1, hi)
        if need_target:
            ok &= np.isfinite(target[last])
        xs.append(block[ok])
        rows.append(last[ok])
    if not rows:
        return Windows(np.zeros((0, window, len(FEATURES)), np.float32), ind.iloc[:0][_INDEX].copy())
    picked = np.concatenate(rows)
    index = ind.iloc[picked][_INDEX].rename(columns={"date": "as_of"}).reset_index(drop=True)
    return Windows(np.ascontiguousarray(np.concatenate(xs)), index)


_INDEX = ["ticker", "date", "adj_close", "target", "next_date"]


@dataclass(frozen=True)
class Scaler:
    """Per-feature mean and standard deviation from training windows only; scaled values are clipped,
    so one fat-tailed day cannot saturate the network."""

    mean: np.ndarray
    std: np.ndarray
    clip: float = 6.0

    @classmethod
    def fit(cls, x: np.ndarray) -> Scaler:
        flat = x.reshape(-1, x.shape[-1]).astype(np.float64)
        std = flat.std(axis=0)
        return cls(flat.mean(axis=0), np.where(std > 0, std, 1.0))

    def transform(self, x: np.ndarray) -> np.ndarray:
        return np.clip((x - self.mean) / self.std, -self.clip, self.clip).astype(np.float32)

    def to_dict(self) -> dict[str, list[float] | float]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist(), "clip": self.clip}

    @classmethod
    def from_dict(cls, d: dict) -> Scaler:
        return cls(np.asarray(d["mean"]), np.asarray(d["std"]), float(d["clip"]))
