"""Technical indicators per ticker, vectorised, computed only from each bar and the bars before it.

Every window is trailing (rolling, exponential or Wilder-smoothed from the start of the series), so an
indicator on a date never changes when later bars change: tests prove it by perturbing the future.
Prices are split-adjusted first (open, high, low scaled by adj_close / close), and the model's
features are scale-free (ratios, returns, z-scores), so one model serves every ticker.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from domains.financial.schema import FEATURES

# Bars before the first complete set of indicators: MACD's slow EMA (26) plus its signal line (9).
WARMUP_BARS = 35


def _wilder(values: pd.Series, groups: pd.Series, period: int) -> pd.Series:
    """Wilder's smoothing (an EMA with alpha 1/period), per ticker."""
    return values.groupby(groups, sort=False).transform(
        lambda s: s.ewm(alpha=1 / period, adjust=False, min_periods=period).mean()
    )


def _ema(values: pd.Series, groups: pd.Series, span: int) -> pd.Series:
    return values.groupby(groups, sort=False).transform(
        lambda s: s.ewm(span=span, adjust=False, min_periods=span).mean()
    )


def _rolling(values: pd.Series, groups: pd.Series, window: int, how: str) -> pd.Series:
    rolled = values.groupby(groups, sort=False).rolling(window, min_periods=window)
    return getattr(rolled, how)().reset_index(level=0, drop=True).sort_index()


def compute(bars: pd.DataFrame) -> pd.DataFrame:
    """Indicators for every bar of `bars` (ticker, date, open, high, low, close, adj_close, volume).

    Returns one row per input bar, sorted by ticker and date, with the adjusted close, the moving
    averages and every model feature; a feature is NaN until its window is full.
    """
    b = bars.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
    g = b["ticker"]
    factor = b["adj_close"] / b["close"]
    close = b["adj_close"]
    high, low, opn = b["high"] * factor, b["low"] * factor, b["open"] * factor
    prev_close = close.groupby(g, sort=False).shift(1)
    log_close = np.log(close)
    log_return = log_close - log_close.groupby(g, sort=False).shift(1)

    sma5 = _rolling(close, g, 5, "mean")
    sma20 = _rolling(close, g, 20, "mean")
    std20 = _rolling(close, g, 20, "std")
    ema12, ema26 = _ema(close, g, 12), _ema(close, g, 26)
    macd = ema12 - ema26
    signal = _ema(macd, g, 9)

    gain = log_return.clip(lower=0)
    loss = (-log_return).clip(lower=0)
    avg_gain, avg_loss = _wilder(gain, g, 14), _wilder(loss, g, 14)
    rsi = 100 - 100 / (1 + avg_gain / avg_loss.replace(0, np.nan))
    rsi = rsi.where(avg_loss > 0, 100.0).where(avg_gain.notna())

    true_range = pd.concat([high - low, (high - prev_close).abs(), (low - prev_close).abs()], axis=1).max(
        axis=1, skipna=False
    )
    atr = _wilder(true_range, g, 14)

    upper, lower = sma20 + 2 * std20, sma20 - 2 * std20
    log_volume = np.log1p(b["volume"] * b["close"] / b["adj_close"])  # in today's share count
    vol_mean = _rolling(log_volume, g, 20, "mean")
    vol_std = _rolling(log_volume, g, 20, "std")

    out = pd.DataFrame(
        {
            "ticker": b["ticker"],
            "date": b["date"],
            "close": b["close"],
            "adj_close": close,
            "sma5": sma5,
            "sma20": sma20,
            "ema12": ema12,
            "ema26": ema26,
            "log_return": log_return,
            "return_5d": log_close - log_close.groupby(g, sort=False).shift(5),
            "close_to_sma5": np.log(close / sma5),
            "close_to_sma20": np.log(close / sma20),
            "macd": macd / close,
            "macd_signal": signal / close,
            "macd_hist": (macd - signal) / close,
            "rsi14": (rsi - 50) / 50,
            "bollinger_pct_b": ((close - lower) / (upper - lower)).where(std20 > 0, 0.5) - 0.5,
            "bollinger_width": (upper - lower) / sma20,
            "atr14": atr / close,
            "volume_z20": ((log_volume - vol_mean) / vol_std).where(vol_std > 0, 0.0),
            "range": np.log(high / low),
            "gap": np.log(opn / prev_close),
        }
    )
    return out.astype({f: "float64" for f in FEATURES})


def complete(indicators: pd.DataFrame) -> pd.Series:
    """Rows whose every feature is defined (past the warm-up)."""
    return indicators[list(FEATURES)].notna().all(axis=1)
