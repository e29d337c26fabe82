"""E-commerce business monitoring: a day far outside its usual range, and a shifting segment mix.

"Usual" is robust and seasonal: the median of the same weekday over the previous four weeks (or of
the last four weeks when fewer than three such days exist), with a MAD-based spread floored at 15%
of the level, so one odd day in the history neither hides nor fakes an alert, and a seasonal ramp
(the pre-Christmas peak) moves the level with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl
from domains.ecommerce.schema import GOLD_DAILY, GOLD_SEGMENTS, SEGMENTS

WATCHED = ("revenue_net", "orders", "avg_order_value")
MIN_Z = 4.0
MIN_SPREAD = 0.15
SEGMENT_PSI_ALERT = 0.25  # the conventional "significant shift"
# Segments are relative to a year of history: while the warehouse holds less, the mix moves as it fills.
SEGMENT_MIN_HISTORY_DAYS = 120
_EPS = 1e-4


def expected_range(history: pd.DataFrame, metric: str, ds: str) -> tuple[float, float] | None:
    """(level, spread) for `metric` on ds from earlier gold_daily rows, or None without enough history."""
    day = date.fromisoformat(ds)
    h = history.assign(day=pd.to_datetime(history["ds"]).dt.date)
    same = h.loc[[(day - d).days % 7 == 0 and 0 < (day - d).days <= 28 for d in h["day"]], metric]
    recent = h.loc[[0 < (day - d).days <= 28 for d in h["day"]], metric]
    values = same if len(same) >= 3 else recent if len(recent) >= 14 else None
    if values is None:
        return None
    v = values.to_numpy(float)
    level = float(np.median(v))
    spread = max(1.4826 * float(np.median(np.abs(v - level))), MIN_SPREAD * abs(level), 1e-9)
    return level, spread


def anomalies(history: pd.DataFrame, today: pd.Series, ds: str) -> list[dict[str, Any]]:
    """One alert per watched metric whose value is MIN_Z spreads or more from its expected level."""
    out = []
    for metric in WATCHED:
        expected = expected_range(history, metric, ds)
        if expected is None:
            continue
        level, spread = expected
        value = float(today[metric])
        z = (value - level) / spread
        if abs(z) >= MIN_Z:
            out.append(
                {
                    "ds": ds,
                    "metric": metric,
                    "value": value,
                    "expected": level,
                    "lower": level - MIN_Z * spread,
                    "upper": level + MIN_Z * spread,
                    "detail": f"{metric} {value:,.2f} is {z:+.1f} spreads from the usual {level:,.2f}",
                }
            )
    return out


def segment_mix(snapshot: pd.DataFrame, ds: str) -> pd.DataFrame:
    """Customers, share and monetary value per segment (every segment listed, empty ones at zero)."""
    g = snapshot.groupby("segment").agg(customers=("customer_id", "size"), monetary=("monetary", "sum"))
    g = g.reindex(list(SEGMENTS), fill_value=0)
    total = max(int(g["customers"].sum()), 1)
    return pd.DataFrame(
        {
            "ds": ds,
            "segment": list(SEGMENTS),
            "customers": g["customers"].astype(np.int64).to_numpy(),
            "share": (g["customers"] / total).to_numpy(float),
            "monetary": g["monetary"].astype(float).to_numpy(),
        }
    )


def segment_psi(before: pd.DataFrame, now: pd.DataFrame) -> float:
    """PSI between two segment mixes (same segment list)."""
    a = np.clip(
        before.set_index("segment")["share"].reindex(list(SEGMENTS)).fillna(0).to_numpy(float), _EPS, None
    )
    b = np.clip(
        now.set_index("segment")["share"].reindex(list(SEGMENTS)).fillna(0).to_numpy(float), _EPS, None
    )
    return float(np.sum((b - a) * np.log(b / a)))


def alerts(ctx: Any, daily: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Revenue anomalies against the usual range, and a segment mix that moved since four weeks ago."""
    history = etl.window(ctx, GOLD_DAILY, 28, ["ds", *WATCHED], include_today=False)
    found = anomalies(history, daily.iloc[0], ctx.ds)
    then = (ctx.day - timedelta(days=28)).isoformat()
    before = ctx.warehouse.read_table(
        GOLD_SEGMENTS, ["segment", "share"], where="ds = :d", params={"d": then}
    )
    oldest = ctx.warehouse.scalar(f'SELECT MIN(ds) FROM "{GOLD_DAILY.name}"') if len(before) else None
    held = (ctx.day - date.fromisoformat(str(oldest)[:10])).days if oldest is not None else 0
    if held >= SEGMENT_MIN_HISTORY_DAYS:
        value = segment_psi(before, segments)
        if value >= SEGMENT_PSI_ALERT:
            found.append(
                {
                    "ds": ctx.ds,
                    "metric": "segment_mix_psi",
                    "value": value,
                    "expected": 0.0,
                    "lower": 0.0,
                    "upper": SEGMENT_PSI_ALERT,
                    "detail": f"segment mix moved since {then}: PSI {value:.3f}",
                }
            )
    columns = ["ds", "metric", "value", "expected", "lower", "upper", "detail"]
    return pd.DataFrame(found, columns=columns)
