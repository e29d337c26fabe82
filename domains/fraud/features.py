"""Vectorised fraud features: per-card velocity, amount z-score, distance, category risk and habits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from domains.core.fixed_text import last_bytes
from domains.core.rolling import window_stats

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance between two arrays of points."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def amount_zscore(amt: np.ndarray, prior_n: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Amount against the card's earlier amounts; NaN with fewer than two of them.

    The spread is floored: two near-identical past amounts must not make every new one extreme.
    Used by the pipeline and by the API, so training and serving compute the same number.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.fmax(np.fmax(std, 0.0), 0.25 * mean + 1.0)
        return np.where((prior_n >= 2) & ~np.isnan(mean), (amt - mean) / spread, np.nan)


def is_night(hour: np.ndarray) -> np.ndarray:
    """1 for transactions between 22:00 and 05:00, when card-present fraud peaks."""
    return ((hour >= 22) | (hour < 5)).astype(np.int64)


def _codes(*parts: pd.Series) -> np.ndarray:
    """Integer codes for the values of several Series taken together."""
    return pd.factorize(pd.concat(parts, ignore_index=True))[0].astype(np.int64)


def _rank_within(keys: np.ndarray) -> np.ndarray:
    """For each position, how many earlier positions hold the same key (a vectorised groupby cumcount)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    lengths = np.diff(np.r_[starts, len(keys)])
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - np.repeat(starts, lengths)
    return rank


def card_groups(card_ids: pd.Series, n: int) -> np.ndarray:
    """A group in [0, n) per row, the same for every row of one card, from its id's last two bytes.

    Card ids are hex HMAC tokens (`privacy.pseudonymise`), so this spreads cards evenly; the groups'
    features are independent (`card_features` never looks across cards), so the transform builds and
    stages silver one group at a time.
    """
    last = last_bytes(card_ids, 2).astype(np.int64)
    return (last[:, 1] * 31 + last[:, 0]) % n


def card_features(current: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Velocity, amount z-score and category habit for `current`, using `history` (earlier partitions).

    Both frames need card_id, trans_ts, amt, category. Only rows strictly before each transaction
    feed its z-score and habit share, so a transaction never explains itself. Everything runs on
    integer codes and numpy arrays: sorting the frames themselves (text columns) cost twice as much.
    """
    n_hist = len(history)
    card_all = _codes(history["card_id"], current["card_id"])
    cat_all = _codes(history["category"], current["category"])
    t_all = np.concatenate(
        [
            history["trans_ts"].to_numpy().astype("datetime64[s]").astype(np.int64),
            current["trans_ts"].to_numpy().astype("datetime64[s]").astype(np.int64),
        ]
    )
    amt_all = np.concatenate([history["amt"].to_numpy(dtype=float), current["amt"].to_numpy(dtype=float)])
    # Rows by card, then time; history before current at equal keys (stable), as before.
    order = np.lexsort((t_all, card_all))
    card, t, amt = card_all[order], t_all[order], amt_all[order]

    c1, a1 = window_stats(card, t, amt, 3600)
    c24, a24 = window_stats(card, t, amt, 86_400)

    # Prior (strictly earlier) per-card count, mean and std of amounts.
    first = np.r_[True, card[1:] != card[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(card)), 0))
    prior_n = np.arange(len(card)) - group_start
    cs = np.concatenate([[0.0], np.cumsum(amt)])
    cs2 = np.concatenate([[0.0], np.cumsum(amt * amt)])
    prior_sum = cs[:-1] - cs[group_start]
    prior_sq = cs2[:-1] - cs2[group_start]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = prior_sum / prior_n
        std = np.sqrt(np.maximum(prior_sq / prior_n - mean * mean, 0.0))
    z = amount_zscore(amt, prior_n, mean, std)
    n_cats = int(cat_all.max()) + 1 if len(cat_all) else 1
    cat_prior = _rank_within(card * n_cats + cat_all[order])
    with np.errstate(invalid="ignore", divide="ignore"):
        cat_share = np.where(prior_n > 0, cat_prior / prior_n, np.nan)

    # Back to the order of `current`: position p in the sorted arrays came from row order[p].
    is_current = order >= n_hist
    back = np.empty(len(current), dtype=np.int64)
    back[order[is_current] - n_hist] = np.flatnonzero(is_current)
    return pd.DataFrame(
        {
            "vel_count_1h": c1[back],
            "vel_amount_1h": a1[back],
            "vel_count_24h": c24[back],
            "vel_amount_24h": a24[back],
            "amt_zscore_card": z[back],
            "card_history_n": prior_n[back].astype(np.int64),
            "cat_share_card": cat_share[back],
        }
    )


def category_risk(categories: pd.Series, prior: pd.DataFrame, prior_strength: float = 200.0) -> np.ndarray:
    """Fraud rate per category from earlier days, shrunk towards the overall rate (no same-day labels)."""
    if prior.empty or prior["transactions"].sum() == 0:
        return np.full(len(categories), np.nan)
    agg = prior.groupby("category")[["transactions", "fraud_transactions"]].sum()
    overall = agg["fraud_transactions"].sum() / agg["transactions"].sum()
    rate = (agg["fraud_transactions"] + prior_strength * overall) / (agg["transactions"] + prior_strength)
    # Look up each distinct category once: Series.map over 500k text rows costs ~5x more.
    codes, uniques = pd.factorize(categories)
    per_unique = pd.Series(uniques).map(rate).fillna(overall).to_numpy(dtype=float)
    return np.append(per_unique, overall)[codes]  # code -1 (missing) takes the last: overall


def time_features(ts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    hour = ts.dt.hour.to_numpy(dtype=np.int64)
    return hour, is_night(hour)
