"""Financial extract → transform → load: new bars to bronze, validated silver, indicators and quality gold.

A run with logical date ds takes the bars dated after the warehouse's high-water mark (the latest bar
that other runs loaded before ds) and before ds: a 04:00 UTC run picks up the previous session's close.
The first run therefore loads the whole history; a run after a pause catches up the gap; re-running a
date takes the same slice again.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl
from domains.core.bronze import read_bronze
from domains.core.fixed_text import to_timestamp
from domains.core.pipeline import StageContext
from domains.core.quality import (
    missing_any,
    quarantine_frame,
    raw_columns,
    repeats_among_valid,
    split_rows,
    unparseable_rows,
)
from domains.financial import calendar, indicators
from domains.financial.schema import (
    GOLD_DAILY,
    INDICATORS,
    PRICE_COLUMNS,
    QUARANTINE,
    RAW_COLUMNS,
    SILVER,
    TICKER_PATTERN,
    silver_expectations,
)
from domains.financial.source import file_extract, synthetic_extract

# Indicators need this much history before the new bars (EMAs are converged to ~1e-10 by then).
LOOKBACK_DAYS = 500
# Open and close may sit this far outside [low, high] (relative) before the bar counts as inconsistent:
# exports round each price on its own.
OHLC_TOLERANCE = 1e-4


# ---------------------------------------------------------------------------- extract
def high_water_mark(ctx: StageContext) -> str | None:
    """The latest bar date other runs loaded before this run's date (None on the first load)."""
    if not ctx.warehouse.has_table(SILVER.name):
        return None
    value = ctx.warehouse.scalar(
        f'SELECT MAX("date") FROM "{SILVER.name}" WHERE ds <> :ds AND "date" < :ds', {"ds": ctx.ds}
    )
    return None if value is None else str(value)[:10]


def extract(ctx: StageContext) -> dict[str, Any]:
    """The bars after the high-water mark and before the run's date, untouched, to bronze."""
    after = high_water_mark(ctx)
    if ctx.source.source == "synthetic":
        raw = synthetic_extract(after, ctx.ds, ctx.source.tickers, ctx.source.dirty_share)
    else:
        raw = file_extract(ctx.source.source, after, ctx.ds)
    result = etl.to_bronze(ctx, raw, f"bars dated after {after or 'the start'} and before {ctx.ds}")
    return {**result, "after": after}


# -------------------------------------------------------------------------- transform
def _number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.astype("str").str.strip(), errors="coerce")


def parse_and_check(raw: pd.DataFrame, ds: str) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Typed columns and, per rule in priority order, the mask of rows breaking it."""
    s = raw_columns(raw, RAW_COLUMNS)
    day = to_timestamp(s["Date"].astype("str").str.strip(), "%Y-%m-%d")
    prices = {
        c: _number(s[r])
        for c, r in zip(PRICE_COLUMNS, ("Open", "High", "Low", "Close", "Adj Close"), strict=True)
    }
    volume = _number(s["Volume"])
    ticker = s["Ticker"].astype("str").str.strip().str.upper()
    priced = np.logical_and.reduce([p.notna().to_numpy() for p in prices.values()])
    positive = np.logical_and.reduce([(p > 0).to_numpy() for p in prices.values()])
    hi, lo = prices["high"], prices["low"]
    tol = OHLC_TOLERANCE * hi.abs()
    inside = np.logical_and.reduce(
        [((p >= lo - tol) & (p <= hi + tol)).to_numpy() for p in (prices["open"], prices["close"])]
    )
    failures: dict[str, np.ndarray] = {
        "unparseable_row": unparseable_rows(raw),
        "missing_required_field": missing_any(s, RAW_COLUMNS),
        "malformed_ticker": ~ticker.str.fullmatch(TICKER_PATTERN).fillna(False).to_numpy(bool),
        "invalid_date": day.isna().to_numpy(),
        "date_not_before_run": (day >= pd.Timestamp(ds)).fillna(False).to_numpy(bool),
        "invalid_price": ~priced,
        "non_positive_price": priced & ~positive,
        "invalid_volume": volume.isna().to_numpy(),
        "negative_volume": (volume < 0).fillna(False).to_numpy(bool),
        "high_below_low": (hi < lo).fillna(False).to_numpy(bool),
        "ohlc_inconsistent": ~inside,
    }
    # A date repeated for a ticker: the first bar is kept, the re-send goes to quarantine.
    failures["duplicate_date"] = repeats_among_valid(failures, pd.DataFrame({"t": ticker, "d": day}))
    typed = pd.DataFrame({"ticker": ticker, "date": day, **prices, "volume": volume})
    return typed, failures


def build_silver(typed: pd.DataFrame, valid: np.ndarray, ds: str, checksum: str) -> pd.DataFrame:
    """Clean bars, one per ticker and date, in date order per ticker."""
    t = typed.loc[valid].sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
    return pd.DataFrame(
        {
            "ds": ds,
            **{c: t[c] for c in ("ticker", "date", *PRICE_COLUMNS, "volume")},
            "adj_factor": t["adj_close"] / t["close"],
            "source_checksum": checksum,
        }
    )[list(SILVER.columns)]


def history(ctx: StageContext, before: date, columns: list[str]) -> pd.DataFrame:
    """Bars other runs loaded in the `LOOKBACK_DAYS` before `before` (what indicators warm up on)."""
    lo = (before - timedelta(days=LOOKBACK_DAYS)).isoformat()
    frame = ctx.warehouse.read_table(
        SILVER,
        columns,
        where='ds <> :ds AND "date" >= :lo AND "date" < :hi',
        params={"ds": ctx.ds, "lo": lo, "hi": before.isoformat()},
    )
    return frame.assign(date=pd.to_datetime(frame["date"]))


def missing_bars(bars: pd.DataFrame, new_from: pd.Series) -> int:
    """Trading days with no bar for a ticker, from `new_from[ticker]` (its last loaded bar, or its
    first new one) to its last bar: one calendar for the batch, counted by binary search."""
    start = bars["ticker"].map(new_from)
    span = bars.loc[start.notna() & (bars["date"] >= start)]
    if span.empty:
        return 0
    per = span.groupby("ticker")["date"].agg(["min", "max", "nunique"])
    days = calendar.trading_days(per["min"].min(), per["max"].max()).to_numpy()
    first = np.searchsorted(days, per["min"].to_numpy())
    expected = np.searchsorted(days, per["max"].to_numpy(), "right") - first
    return int((expected - per["nunique"].to_numpy()).sum())


def build_gold(ctx: StageContext, silver: pd.DataFrame, quarantined: int) -> dict[str, pd.DataFrame]:
    """Indicators for the new bars (warmed up on the warehouse's history) and the run's quality row."""
    cols = ["ticker", "date", *PRICE_COLUMNS, "volume"]
    past = history(ctx, ctx.day, cols) if not silver.empty else pd.DataFrame(columns=cols)
    bars = pd.concat([past, silver[cols]], ignore_index=True) if len(past) else silver[cols]
    ind = indicators.compute(bars) if len(bars) else pd.DataFrame(columns=list(INDICATORS.columns))
    new_keys = pd.MultiIndex.from_frame(silver[["ticker", "date"]])
    new = ind.loc[pd.MultiIndex.from_frame(ind[["ticker", "date"]]).isin(new_keys)] if len(ind) else ind
    # Gaps are counted from each ticker's last loaded bar, so a missing day between runs counts too.
    first_new = silver.groupby("ticker")["date"].min()
    last_old = past.groupby("ticker")["date"].max() if len(past) else pd.Series(dtype="datetime64[us]")
    start = last_old.reindex(first_new.index).fillna(first_new)
    n = len(silver)
    returns = new["log_return"].dropna() if len(new) else pd.Series(dtype=float)
    daily = {
        "ds": ctx.ds,
        "bars": n,
        "tickers": int(silver["ticker"].nunique()),
        "first_date": silver["date"].min() if n else pd.NaT,
        "last_date": silver["date"].max() if n else pd.NaT,
        "quarantined": quarantined,
        "quarantine_share": quarantined / max(n + quarantined, 1),
        "missing_bars": missing_bars(bars, start) if n else 0,
        "mean_log_return": float(returns.mean()) if len(returns) else float("nan"),
        "return_std": float(returns.std()) if len(returns) > 1 else float("nan"),
    }
    return {
        "indicators": new.assign(ds=ctx.ds).reindex(columns=list(INDICATORS.columns)),
        "gold_daily": pd.DataFrame([daily])[list(GOLD_DAILY.columns)],
    }


def transform(ctx: StageContext) -> dict[str, Any]:
    """Every bronze bar ends in silver or in quarantine with its rule; the batch must pass its suite."""
    part = etl.bronze_for(ctx)
    raw = read_bronze(part).to_pandas()
    typed, failures = parse_and_check(raw, ctx.ds)
    split = split_rows(len(raw), failures)
    quarantine = quarantine_frame(raw, split, ctx.ds, ctx.run_id, part.checksum)
    silver = build_silver(typed, split.valid, ctx.ds, part.checksum)
    if silver.empty:
        ctx.progress(f"no new bars before {ctx.ds} (a weekend or holiday, or the source has not updated)")
    report = etl.check_batch(ctx, silver, silver_expectations(ctx.spec.quality.min_rows), split, len(raw))
    gold = build_gold(ctx, silver, len(quarantine))
    day = gold["gold_daily"].iloc[0]
    if day["missing_bars"]:
        ctx.progress(f"{day['missing_bars']} trading days without a bar", tickers=int(day["tickers"]))
    return etl.handoff(
        ctx,
        part,
        split,
        report,
        {"silver": silver, "quarantine": quarantine, **gold},
        bars_through=None if silver.empty else str(silver["date"].max().date()),
        missing_bars=int(day["missing_bars"]),
    )


# ------------------------------------------------------------------------------- load
LOADED = {
    "silver": SILVER,
    "quarantine": QUARANTINE,
    "indicators": INDICATORS,
    "gold_daily": GOLD_DAILY,
}


def load(ctx: StageContext) -> dict[str, Any]:
    """Replace the date in silver, indicators, the quality row and quarantine, with its audit row."""
    return etl.load_partition(ctx, LOADED, SILVER, QUARANTINE)
