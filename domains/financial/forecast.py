"""Next-day forecasts from the latest window of each ticker: used by validate (tracking) and the API."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from domains.core.warehouse import Warehouse, in_clause
from domains.financial import calendar, windows
from domains.financial.model import ForecastModel
from domains.financial.schema import INDICATORS

# Calendar days of indicators read to find a window's bars (holidays and gaps included).
READ_DAYS = 120


def recent_bars(wh: Warehouse, until: date, tickers: list[str] | None = None) -> pd.DataFrame:
    """Indicator rows (with each bar's raw close) of the last `READ_DAYS` before `until` (exclusive)."""
    lo = (until - timedelta(days=READ_DAYS)).isoformat()
    where, params = 'date >= :lo AND "date" < :hi', {"lo": lo, "hi": until.isoformat()}
    if tickers is not None:
        clause, extra = in_clause("ticker", tickers, "t")
        where, params = f"{where} AND {clause}", {**params, **extra}
    ind = wh.read_table(INDICATORS, where=where, params=params)
    return windows.with_target(ind.drop(columns=["ds"]))


def latest_windows(bars: pd.DataFrame, window: int) -> windows.Windows:
    """Each ticker's most recent complete window (only if its last bar is the ticker's latest bar),
    with that bar's raw close (the price a forecast is quoted against) when `bars` has one."""
    w = windows.build(bars, window, need_target=False)
    if not len(w):
        return w
    latest = bars.groupby("ticker")["date"].max()
    keep = w.index["as_of"].to_numpy() == w.index["ticker"].map(latest).to_numpy()
    w = w.take(keep)
    if "close" in bars.columns:
        closes = bars.set_index(["ticker", "date"])["close"]
        at = pd.MultiIndex.from_arrays([w.index["ticker"], w.index["as_of"]])
        w.index["close"] = closes.reindex(at).to_numpy(float)
    return w


def forecast(model: ForecastModel, w: windows.Windows) -> pd.DataFrame:
    """One row per window: the next trading day, its predicted return and close, and the interval.

    Prices are quoted against the window's last raw close (its adjusted close if none is known).
    """
    returns = model.predict_returns(w.x)
    base = w.index["adj_close"].to_numpy(float)
    if "close" in w.index.columns:
        base = w.index["close"].fillna(w.index["adj_close"]).to_numpy(float)
    lo, hi = model.interval
    as_of = pd.to_datetime(w.index["as_of"])
    following = {d: calendar.next_trading_day(d).date() for d in as_of.unique()}
    return pd.DataFrame(
        {
            "ticker": w.index["ticker"].to_numpy(),
            "as_of": as_of.dt.date.to_numpy(),
            "target_date": as_of.map(following).to_numpy(),
            "last_close": base,
            "predicted_return": returns,
            "predicted_close": base * np.exp(returns),
            "lower_close": base * np.exp(returns + lo),
            "upper_close": base * np.exp(returns + hi),
        }
    )
