"""Per-key rolling windows over event streams in one sort and one searchsorted (fraud velocity, AML)."""

from __future__ import annotations

import numpy as np


def window_stats(
    card: np.ndarray, t_seconds: np.ndarray, amount: np.ndarray, window_seconds: int
) -> tuple[np.ndarray, np.ndarray]:
    """Count and amount per card over (t - window, t], including the row itself.

    Input must be sorted by (card, t). Cards are spaced far apart on one key axis so a single
    searchsorted finds every row's window start without crossing into another card.
    """
    span = int(t_seconds.max() - t_seconds.min()) + window_seconds + 1 if len(t_seconds) else 1
    key = card.astype(np.int64) * span + (t_seconds - (t_seconds.min() if len(t_seconds) else 0))
    start = np.searchsorted(key, key - window_seconds, side="right")
    idx = np.arange(len(key))
    csum = np.concatenate([[0.0], np.cumsum(amount)])
    return (idx - start + 1).astype(np.int64), csum[idx + 1] - csum[start]
