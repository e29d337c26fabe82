"""Restaurant gold: sentiment mix and rating trends per restaurant and city, velocity, and the alerts.

Everything is vectorised over the day's reviews plus the trailing gold rows of earlier days, so a
re-run of a date reads the same history and writes the same rows.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

TREND_DAYS = 7
BASELINE_DAYS = 28
HISTORY_DAYS = TREND_DAYS - 1 + BASELINE_DAYS  # gold days before ds that trends and alerts read
WINDOW_SECONDS = 2 * 3600
# Alert thresholds: a change must be large (effect) and unlikely under the baseline (z or p-value).
MIN_TREND_REVIEWS = 10
MIN_BASELINE_REVIEWS = 20
SPIKE_MIN_GAIN = 0.20
DROP_MIN_STARS = 0.75
MIN_Z = 3.0
STARS_SD = 1.1  # spread of single ratings around a restaurant's mean (measured on synthetic and public data)
BURST_MIN_REVIEWS = 10
BURST_MAX_P = 1e-6
PEAK_FACTOR = 2.0  # lunch and dinner run about twice the day's average hourly rate


def sentiment_counts(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Reviews, stars and star-derived sentiment counts and shares per group (one pass)."""
    f = frame.assign(
        negative=(frame["sentiment"] == "negative").astype("int64"),
        neutral=(frame["sentiment"] == "neutral").astype("int64"),
        positive=(frame["sentiment"] == "positive").astype("int64"),
    )
    out = (
        f.groupby(keys, observed=True, sort=True)
        .agg(
            reviews=("stars", "size"),
            stars_sum=("stars", "sum"),
            negative_reviews=("negative", "sum"),
            neutral_reviews=("neutral", "sum"),
            positive_reviews=("positive", "sum"),
            vader_mean=("vader_compound", "mean"),
        )
        .reset_index()
    )
    n = out["reviews"].astype(float)
    return out.assign(
        avg_stars=out["stars_sum"] / n,
        negative_share=out["negative_reviews"] / n,
        neutral_share=out["neutral_reviews"] / n,
        positive_share=out["positive_reviews"] / n,
    )


def busiest_window(
    group: np.ndarray, seconds: np.ndarray, *flags: np.ndarray, window: int = WINDOW_SECONDS
) -> tuple[np.ndarray, ...]:
    """Per row, how many rows of its group fall in [t, t + window), and how many of them carry each flag.

    The row with the most is where a group's busiest window starts. One searchsorted over
    (group, time) keys, groups spaced apart so a window never crosses into another group.
    """
    order = np.lexsort((seconds, group))
    span = int(seconds.max() - seconds.min()) + window + 1 if len(seconds) else 1
    key = group[order].astype(np.int64) * span + (seconds[order] - (seconds.min() if len(seconds) else 0))
    start = np.arange(len(key))
    end = np.searchsorted(key, key + window, side="left")
    out = []
    for values in (np.ones(len(key)), *flags):
        cum = np.concatenate([[0.0], np.cumsum(np.asarray(values, dtype=float)[order])])
        per_row = np.empty(len(key))
        per_row[order] = cum[end] - cum[start]
        out.append(per_row)
    out[0] = out[0].astype(np.int64)
    return tuple(out)


def _window_sums(history: pd.DataFrame, keys: list[str], ds: str, days: int, skip: int = 0) -> pd.DataFrame:
    """Sums of reviews, stars and negatives per key over `days` days ending `skip` days before ds."""
    hi = date.fromisoformat(ds) - timedelta(days=skip)
    lo = hi - timedelta(days=days - 1)
    d = pd.to_datetime(history["ds"]).dt.date
    part = history.loc[(d >= lo) & (d <= hi)]
    return part.groupby(keys, observed=True)[["reviews", "stars_sum", "negative_reviews"]].sum()


def with_trends(today: pd.DataFrame, history: pd.DataFrame, keys: list[str], ds: str) -> pd.DataFrame:
    """Add 7-day and 30-day rolling stars and the 7-day negative share (today plus earlier gold rows)."""
    both = pd.concat(
        [history[[*keys, "ds", "reviews", "stars_sum", "negative_reviews"]], today.assign(ds=ds)]
    )
    w7 = _window_sums(both, keys, ds, TREND_DAYS)
    w30 = _window_sums(both, keys, ds, 30)
    out = today.set_index(keys)
    out["reviews_7d"] = w7["reviews"].reindex(out.index).fillna(0).astype("int64")
    out["avg_stars_7d"] = w7["stars_sum"].reindex(out.index) / out["reviews_7d"].replace(0, np.nan)
    out["negative_share_7d"] = w7["negative_reviews"].reindex(out.index) / out["reviews_7d"].replace(
        0, np.nan
    )
    out["reviews_30d"] = w30["reviews"].reindex(out.index).fillna(0).astype("int64")
    out["avg_stars_30d"] = w30["stars_sum"].reindex(out.index) / out["reviews_30d"].replace(0, np.nan)
    return out.reset_index()


def business_daily(silver: pd.DataFrame, history: pd.DataFrame, ds: str) -> pd.DataFrame:
    """One gold row per reviewed restaurant: sentiment mix, trends, and the day's busiest two hours."""
    counts = sentiment_counts(silver, ["business_id", "business_name", "city"]).rename(
        columns={"business_name": "name"}
    )
    trends = with_trends(counts, history, ["business_id"], ds)
    codes, uniques = pd.factorize(silver["business_id"])
    ts = pd.to_datetime(silver["review_ts"])
    seconds = ((ts - ts.dt.normalize()) // pd.Timedelta(seconds=1)).to_numpy(np.int64)
    text_key = silver["text"].str.lower().str.replace(r"[^a-z ]", "", regex=True)
    dup = pd.DataFrame({"b": silver["business_id"], "t": text_key}).duplicated(keep=False).to_numpy()
    five = silver["stars"].to_numpy() == 5
    count, fives, dups = busiest_window(codes, seconds, five, dup)
    # Per restaurant, the busiest window's row: its count, and what share of it is 5-star or repeated.
    peak = pd.DataFrame({"business_id": uniques[codes], "count": count, "fives": fives, "dups": dups})
    peak = peak.sort_values("count", ascending=False, kind="stable").drop_duplicates("business_id")
    agg = pd.DataFrame(
        {
            "max_reviews_2h": peak["count"].to_numpy(),
            "five_star_share": (peak["fives"] / peak["count"]).to_numpy(),
            "duplicate_text_share": (peak["dups"] / peak["count"]).to_numpy(),
        },
        index=pd.Index(peak["business_id"], name="business_id"),
    )
    out = trends.join(agg, on="business_id")
    out["expected_reviews_2h"] = expected_window_rate(out, history, ds)
    return out


def expected_window_rate(today: pd.DataFrame, history: pd.DataFrame, ds: str) -> np.ndarray:
    """Reviews a restaurant normally gets in two hours: its baseline daily mean / 12.

    Without history (the first days), today's reviews outside the busiest window stand in for it.
    """
    days = pd.to_datetime(history["ds"]).dt.date.nunique() if len(history) else 0
    if days:
        lo = date.fromisoformat(ds) - timedelta(days=BASELINE_DAYS)
        past = history.loc[pd.to_datetime(history["ds"]).dt.date >= lo]
        daily = past.groupby("business_id")["reviews"].sum() / min(days, BASELINE_DAYS)
        per_day = today["business_id"].map(daily).fillna(0.0).to_numpy(float)
    else:
        per_day = ((today["reviews"] - today["max_reviews_2h"]).clip(lower=0) * 24 / 22).to_numpy(float)
    return np.maximum(per_day / 12.0, 0.1)


def alerts(gold: pd.DataFrame, history: pd.DataFrame, ds: str) -> pd.DataFrame:
    """Negative-sentiment spikes, rating drops and review bursts among the day's restaurants."""
    from scipy.stats import poisson

    base = _window_sums(history, ["business_id"], ds, BASELINE_DAYS, skip=TREND_DAYS)
    g = gold.set_index("business_id")
    n7 = g["reviews_7d"].astype(float)
    nb = base["reviews"].reindex(g.index).fillna(0.0)
    p_base = (base["negative_reviews"].reindex(g.index) / nb.replace(0, np.nan)).to_numpy(float)
    stars_base = (base["stars_sum"].reindex(g.index) / nb.replace(0, np.nan)).to_numpy(float)
    enough = ((n7 >= MIN_TREND_REVIEWS) & (nb >= MIN_BASELINE_REVIEWS)).to_numpy()

    p7 = g["negative_share_7d"].to_numpy(float)
    # Floor the baseline's variance: a restaurant with no negatives yet must not alert on one review.
    se = np.sqrt(np.clip(p_base * (1 - p_base), 0.05, None) / n7.to_numpy())
    spike = enough & (p7 - p_base >= SPIKE_MIN_GAIN) & ((p7 - p_base) / se >= MIN_Z)

    s7 = g["avg_stars_7d"].to_numpy(float)
    drop = (
        enough & (stars_base - s7 >= DROP_MIN_STARS) & ((stars_base - s7) / (STARS_SD / np.sqrt(n7)) >= MIN_Z)
    )

    peak = g["max_reviews_2h"].to_numpy(float)
    expected = g["expected_reviews_2h"].to_numpy(float) * PEAK_FACTOR
    p_burst = poisson.sf(peak - 1, expected)
    burst = (peak >= BURST_MIN_REVIEWS) & (p_burst < BURST_MAX_P)
    campaign = (
        burst & (g["five_star_share"].to_numpy() >= 0.8) & (g["duplicate_text_share"].to_numpy() >= 0.3)
    )

    frames = []
    for kind, mask, value, baseline, severity, detail in (
        (
            "negative_sentiment_spike",
            spike,
            p7,
            p_base,
            np.where(p7 - p_base >= 2 * SPIKE_MIN_GAIN, "high", "medium"),
            [
                f"negative share {a:.0%} over {TREND_DAYS} days vs {b:.0%} before"
                for a, b in zip(p7, p_base, strict=True)
            ],
        ),
        (
            "rating_drop",
            drop,
            s7,
            stars_base,
            np.where(stars_base - s7 >= 2 * DROP_MIN_STARS, "high", "medium"),
            [
                f"{a:.2f} stars over {TREND_DAYS} days vs {b:.2f} before"
                for a, b in zip(s7, stars_base, strict=True)
            ],
        ),
        (
            "review_burst",
            burst,
            peak,
            expected / PEAK_FACTOR,
            np.where(campaign, "high", "medium"),
            [
                f"{int(p)} reviews within two hours (normal {e:.1f}); "
                + (
                    "possible fake-review campaign: mostly 5 stars, repeated text"
                    if c
                    else "unusual velocity"
                )
                for p, e, c in zip(peak, expected / PEAK_FACTOR, campaign, strict=True)
            ],
        ),
    ):
        idx = np.flatnonzero(mask)
        if idx.size:
            frames.append(
                pd.DataFrame(
                    {
                        "ds": ds,
                        "business_id": g.index.to_numpy()[idx],
                        "name": g["name"].to_numpy()[idx],
                        "city": g["city"].to_numpy()[idx],
                        "alert": kind,
                        "severity": np.asarray(severity)[idx],
                        "value": np.asarray(value, dtype=float)[idx],
                        "baseline": np.asarray(baseline, dtype=float)[idx],
                        "detail": np.asarray(detail, dtype=object)[idx],
                    }
                )
            )
    columns = ["ds", "business_id", "name", "city", "alert", "severity", "value", "baseline", "detail"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def city_daily(silver: pd.DataFrame, history: pd.DataFrame, ds: str) -> pd.DataFrame:
    """Per city: the day's sentiment mix and its 7-day rolling stars."""
    counts = sentiment_counts(silver, ["city"])
    return with_trends(counts, history, ["city"], ds)
