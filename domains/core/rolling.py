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
    start = window_starts(group_time_key(card, t_seconds, window_seconds), window_seconds)
    return window_count(start), window_sum(start, amount)


def group_time_key(group: np.ndarray, t_seconds: np.ndarray, max_window: int) -> np.ndarray:
    """One int64 per row, ordered by (group, t), with groups spaced wider than `max_window` apart:
    sorting it sorts by group then time, and a window never reaches into the previous group."""
    if not len(t_seconds):
        return np.zeros(0, dtype=np.int64)
    t0 = t_seconds.min()
    span = int(t_seconds.max() - t0) + max_window + 1
    return group.astype(np.int64) * span + (t_seconds - t0)


def window_starts(sorted_key: np.ndarray, window_seconds: int) -> np.ndarray:
    """For each row of a sorted group_time_key, the first row of its (t - window, t] window."""
    return np.searchsorted(sorted_key, sorted_key - window_seconds, side="right")


def window_count(start: np.ndarray) -> np.ndarray:
    return (np.arange(len(start)) - start + 1).astype(np.int64)


def window_sum(start: np.ndarray, values: np.ndarray) -> np.ndarray:
    csum = np.concatenate([[0.0], np.cumsum(values, dtype=float)])
    return csum[1:] - csum[start]
