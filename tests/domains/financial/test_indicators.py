"""Indicators against hand-computed values on small series, and proof that no window looks ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from domains.financial import indicators
from domains.financial.schema import FEATURES
from domains.financial.source import generate_market


def _bars(close: list[float], ticker: str = "ABCD") -> pd.DataFrame:
    c = np.asarray(close, float)
    return pd.DataFrame(
        {
            "ticker": ticker,
            "date": pd.bdate_range("2024-01-01", periods=len(c)),
            "open": c,
            "high": c * 1.01,
            "low": c * 0.99,
            "close": c,
            "adj_close": c,
            "volume": np.full(len(c), 1000.0),
        }
    )


def test_returns_and_moving_averages_match_hand_computation() -> None:
    close = [10, 11, 12, 11, 13, 14, 12, 15]
    out = indicators.compute(_bars(close))
    assert out["log_return"].iloc[1] == pytest.approx(np.log(11 / 10))
    assert out["sma5"].iloc[4] == pytest.approx((10 + 11 + 12 + 11 + 13) / 5)
    assert out["sma5"].iloc[:4].isna().all()
    assert out["close_to_sma5"].iloc[7] == pytest.approx(np.log(15 / np.mean([11, 13, 14, 12, 15])))
    assert out["return_5d"].iloc[6] == pytest.approx(np.log(12 / 11))


def test_ema_macd_and_rsi_follow_their_recursions() -> None:
    close = list(np.linspace(100, 140, 60) + 5 * np.sin(np.arange(60)))
    out = indicators.compute(_bars(close))
    alpha = 2 / 13
    ema = close[0]
    for x in close[1:40]:
        ema = alpha * x + (1 - alpha) * ema
    assert out["ema12"].iloc[39] == pytest.approx(ema)
    # RSI: Wilder's averages of gains and losses of log returns over 14 bars.
    r = np.diff(np.log(close))
    gain, loss = max(r[0], 0), max(-r[0], 0)
    for x in r[1:30]:
        gain += (max(x, 0) - gain) / 14
        loss += (max(-x, 0) - loss) / 14
    rsi = 100 - 100 / (1 + gain / loss)
    assert out["rsi14"].iloc[30] == pytest.approx((rsi - 50) / 50)
    assert out["macd"].iloc[45] == pytest.approx((out["ema12"] - out["ema26"]).iloc[45] / close[45])


def test_a_rising_series_has_full_rsi_and_positive_macd() -> None:
    out = indicators.compute(_bars(list(np.geomspace(10, 20, 60))))
    assert out["rsi14"].iloc[-1] == pytest.approx(1.0)
    assert out["macd"].iloc[-1] > 0 and out["close_to_sma20"].iloc[-1] > 0


def test_split_does_not_move_adjusted_indicators() -> None:
    close = np.geomspace(100, 110, 50)
    bars = _bars(list(close))
    split = bars.copy()
    split.loc[30:, ["open", "high", "low", "close"]] /= 2  # 2:1 split; the adjusted close is unchanged
    split.loc[30:, "volume"] *= 2
    a, b = indicators.compute(bars), indicators.compute(split)
    for f in FEATURES:
        np.testing.assert_allclose(a[f].to_numpy(), b[f].to_numpy(), rtol=1e-9, atol=1e-12, err_msg=f)


def test_no_indicator_looks_ahead() -> None:
    bars = generate_market("2016-12-31", 3).drop(columns=["_day", "_ticker"])
    before = indicators.compute(bars)
    cut = pd.Timestamp("2016-06-01")
    future = bars["date"] >= cut
    rng = np.random.default_rng(1)
    perturbed = bars.copy()
    for c in ("open", "high", "low", "close", "adj_close", "volume"):
        perturbed.loc[future, c] *= rng.uniform(0.5, 1.5, future.sum())
    after = indicators.compute(perturbed)
    past = before["date"] < cut
    pd.testing.assert_frame_equal(before.loc[past], after.loc[past])
    assert not before.loc[~past, "log_return"].equals(after.loc[~past, "log_return"])


def test_features_are_complete_after_the_warm_up() -> None:
    out = indicators.compute(generate_market("2014-06-30", 2).drop(columns=["_day", "_ticker"]))
    first_complete = out.loc[indicators.complete(out)].groupby("ticker").head(1).index
    positions = out.groupby("ticker").cumcount().loc[first_complete]
    assert (positions < indicators.WARMUP_BARS).all()
