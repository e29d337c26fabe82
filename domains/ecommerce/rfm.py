"""Customer value metrics: RFM with 1-5 scores and named segments, and the features the model learns from.

Both work on per-customer daily aggregates (ecommerce_gold_customer_daily), so the pipeline, the
model and the API compute them the same way from the same rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LOOKBACK_DAYS = 365
FEATURES: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "tenure_days",
    "orders_30d",
    "revenue_30d",
    "orders_90d",
    "revenue_90d",
    "return_rate",
    "mean_gap_days",
    "history_days",
    "order_rate",
    "spend_rate",
)


def customer_features(daily: pd.DataFrame, as_of: str, covered_from: str | None = None) -> pd.DataFrame:
    """Per customer, from their daily rows up to and including `as_of` (the last LOOKBACK_DAYS days).

    `covered_from`: the first date the warehouse holds, when `daily` is only some customers' rows
    (the API); otherwise the earliest date in `daily` is taken as the start of the history.
    """
    day = pd.to_datetime(daily["ds"]).to_numpy().astype("datetime64[D]")
    age_all = (np.datetime64(as_of[:10], "D") - day).astype(np.int64)
    keep = (age_all >= 0) & (age_all < LOOKBACK_DAYS)
    d = daily.loc[keep]
    age = age_all[keep]
    # How much history the numbers rest on: 40 orders in 60 days is not 40 orders in a year.
    if covered_from is not None:
        span = (np.datetime64(as_of[:10], "D") - np.datetime64(covered_from[:10], "D")).astype(np.int64)
        history_days = int(min(span + 1, LOOKBACK_DAYS))
    else:
        history_days = int(age.max()) + 1 if len(d) else 0
    d = d.assign(
        age=age,
        buying=(d["orders"] > 0).astype(np.int64),
        o30=np.where(age < 30, d["orders"], 0),
        r30=np.where(age < 30, d["revenue_net"], 0.0),
        o90=np.where(age < 90, d["orders"], 0),
        r90=np.where(age < 90, d["revenue_net"], 0.0),
        age_buying=np.where(d["orders"] > 0, age, np.iinfo(np.int64).max),
    )
    g = d.groupby("customer_id", sort=True).agg(
        country=("country", "last"),
        recency_days=("age_buying", "min"),
        first_age=("age", "max"),
        frequency=("orders", "sum"),
        monetary=("revenue_net", "sum"),
        gross=("revenue_gross", "sum"),
        returns=("returns", "sum"),
        orders_30d=("o30", "sum"),
        revenue_30d=("r30", "sum"),
        orders_90d=("o90", "sum"),
        revenue_90d=("r90", "sum"),
    )
    g = g.loc[g["frequency"] > 0]  # customers who only returned goods in the window have no RFM
    freq = g["frequency"].astype(float)
    out = pd.DataFrame(
        {
            "country": g["country"],
            "recency_days": g["recency_days"].astype(np.int64),
            "frequency": g["frequency"].astype(np.int64),
            "monetary": g["monetary"].astype(float),
            "avg_order_value": g["gross"] / freq,
            "tenure_days": g["first_age"].astype(np.int64),
            "orders_30d": g["orders_30d"].astype(np.int64),
            "revenue_30d": g["revenue_30d"].astype(float),
            "orders_90d": g["orders_90d"].astype(np.int64),
            "revenue_90d": g["revenue_90d"].astype(float),
            "return_rate": (g["returns"] / g["gross"].where(g["gross"] > 0)).fillna(0.0),
            # Days between orders over the customer's span; NaN with one order (the model handles it).
            "mean_gap_days": ((g["first_age"] - g["recency_days"]) / (freq - 1).where(freq > 1)).astype(
                float
            ),
            "history_days": history_days,
            # Per day of history: what the average-rate baseline extrapolates, as a starting point.
            "order_rate": freq / max(history_days, 1),
            "spend_rate": g["monetary"].astype(float) / max(history_days, 1),
        }
    )
    out.index.name = "customer_id"
    return out.reset_index()


def score(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1-5 by quintile of the population; ties share their average rank, so equal values score equally."""
    pct = values.rank(pct=True, method="average", ascending=higher_is_better)
    return np.ceil(pct * 5).clip(1, 5).astype(np.int64)


def segment(r: pd.Series, f: pd.Series) -> pd.Series:
    """The usual R x F map: recent and frequent are champions, lapsed and rare are hibernating."""
    conditions = [
        (r >= 4) & (f >= 4),
        (r >= 3) & (f >= 4),
        (r >= 4) & (f == 1),
        (r >= 4),
        (r == 3),
        (f >= 3),
    ]
    names = ["champions", "loyal", "new", "potential_loyalists", "need_attention", "at_risk"]
    return pd.Series(np.select(conditions, names, "hibernating"), index=r.index)


def rfm_table(features: pd.DataFrame, ds: str) -> pd.DataFrame:
    """The RFM snapshot as of ds: raw values, 1-5 scores and the segment of every customer."""
    r = score(features["recency_days"], higher_is_better=False)
    f = score(features["frequency"])
    m = score(features["monetary"])
    return pd.DataFrame(
        {
            "ds": ds,
            "customer_id": features["customer_id"],
            "country": features["country"],
            "recency_days": features["recency_days"],
            "frequency": features["frequency"],
            "monetary": features["monetary"],
            "r_score": r,
            "f_score": f,
            "m_score": m,
            "segment": segment(r, f),
        }
    )


def reference_quantiles(features: pd.DataFrame) -> dict[str, list[float]]:
    """Percentiles 0..100 of R, F and M: how the API scores a customer sent as explicit features."""
    q = np.linspace(0, 1, 101)
    return {
        c: np.quantile(features[c].to_numpy(float), q).tolist()
        for c in ("recency_days", "frequency", "monetary")
    }


def score_against(
    reference: dict[str, list[float]], column: str, values: np.ndarray, higher_is_better: bool
) -> np.ndarray:
    """1-5 score of values placed in a stored population (mid-rank of ties, as `score` does)."""
    ref = np.asarray(reference[column], dtype=float)
    q = np.linspace(0, 1, len(ref))
    lo = np.interp(values, ref, q, left=0.0, right=1.0)
    below = np.searchsorted(ref, values, side="left") / (len(ref) - 1)
    above = np.searchsorted(ref, values, side="right") / (len(ref) - 1)
    pct = np.where(above > below, (below + above) / 2, lo)
    pct = pct if higher_is_better else 1.0 - pct
    return np.ceil(np.clip(pct, 1e-9, 1.0) * 5).astype(np.int64)
