"""Financial raw sources: a daily OHLCV export, or a deterministic synthetic market.

The synthetic market is a few dozen tickers from 2014 on, on exchange trading days only. Each ticker's
log returns have GARCH(1,1) volatility clustering with Student-t shocks (fat tails), a shared market
factor, a two-state regime (calm / stressed) that changes drift and volatility, overnight gaps with
occasional jumps, and splits that the adjusted close absorbs. A planted, imperfect signal makes the
next return partly predictable: it reverts towards the five-day average price (strength `signal`;
0 gives a pure random walk with GARCH noise). History is prefix-stable: the bars up to a date are the
same whatever later date the market is generated to, so every run sees the same past.
A small share of rows is dirty: High below Low, negative volume, zero prices, missing fields,
unreadable dates and duplicated dates; a few bars are missing altogether (gaps).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from domains.core import sources
from domains.core.bronze import checksum_table
from domains.core.sources import RawExtract
from domains.financial.calendar import trading_days
from domains.financial.schema import RAW_COLUMNS, RAW_LINE_COLUMN

GENERATOR_VERSION = "financial-synth-1"
HISTORY_START = "2014-01-02"
SEED = 20140102
DIRTY_KINDS: tuple[str, ...] = (
    "high_below_low",
    "negative_volume",
    "zero_price",
    "missing_close",
    "bad_date",
    "duplicate_date",
)
# Share of bars simply absent (the feed skipped them), on top of the dirty rows.
GAP_SHARE = 0.002


def ticker_symbols(n: int) -> list[str]:
    """`n` distinct, stable four-letter symbols (the first n of one fixed sequence)."""
    rng = np.random.default_rng(SEED)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        sym = "".join(rng.choice(letters, 4))
        if sym not in seen:
            seen.add(sym)
            out.append(sym)
    return out


def _uniform(day_idx: np.ndarray, ticker_idx: np.ndarray, salt: int) -> np.ndarray:
    """A uniform in [0, 1) per (day, ticker, salt) from a hash: independent of how far history runs."""
    with np.errstate(over="ignore"):
        x = (day_idx.astype(np.uint64) << np.uint64(20)) ^ ticker_idx.astype(np.uint64)
        x = x + np.uint64(salt) * np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _streams(n_tickers: int, n_days: int, seed: int) -> dict[str, np.ndarray]:
    """Every random draw, one generator per draw kind and ticker, so a longer history keeps its prefix."""
    root = np.random.SeedSequence(seed)
    kinds = ("shock", "market", "regime", "gap", "jump", "range", "volume", "split")
    out: dict[str, np.ndarray] = {}
    for k, child in zip(kinds, root.spawn(len(kinds)), strict=True):
        per_ticker = [np.random.default_rng(s) for s in child.spawn(n_tickers)]
        if k == "shock":
            # Student-t with 4 degrees of freedom, scaled to unit variance: fat tails.
            out[k] = np.stack([g.standard_t(4, n_days) / np.sqrt(2.0) for g in per_ticker], axis=1)
        elif k == "market":
            out[k] = np.random.default_rng(child).standard_t(5, n_days) / np.sqrt(5 / 3)
        elif k == "range":
            out[k] = np.abs(np.stack([g.standard_normal((n_days, 2)) for g in per_ticker], axis=1))
        elif k in ("gap", "volume"):
            out[k] = np.stack([g.standard_normal(n_days) for g in per_ticker], axis=1)
        else:
            out[k] = np.stack([g.random(n_days) for g in per_ticker], axis=1)
    return out


def generate_market(
    end: date | str, n_tickers: int, start: str = HISTORY_START, signal: float = 1.0, seed: int = SEED
) -> pd.DataFrame:
    """Clean daily bars for every ticker and trading day from `start` to `end` (typed, split-adjusted
    close in `adj_close`)."""
    days = trading_days(start, end)
    n, k = len(days), n_tickers
    if n == 0:
        return pd.DataFrame(
            columns=["date", "ticker", *(["open", "high", "low", "close", "adj_close", "volume"])]
        )
    params = np.random.default_rng(seed + 1)
    base_vol = params.uniform(0.010, 0.024, k)
    beta = params.uniform(0.4, 1.3, k)
    kappa = signal * params.uniform(0.15, 0.35, k)  # pull towards the 5-day average price
    drift = params.uniform(0.0001, 0.0006, k)
    start_price = np.exp(params.uniform(np.log(8), np.log(400), k))
    base_volume = np.exp(params.uniform(np.log(2e5), np.log(2e7), k))
    s = _streams(k, n, seed)

    alpha, garch_beta = 0.08, 0.90
    omega = base_vol**2 * (1 - alpha - garch_beta)
    var = base_vol**2
    stressed = np.zeros(k, dtype=bool)
    log_p = np.log(start_price)
    recent = np.repeat(log_p[None, :], 5, axis=0)  # ring of the last five log prices
    prev_shock = np.zeros(k)
    returns = np.empty((n, k))
    vol = np.empty((n, k))
    for t in range(n):
        # Regime switches: rare into stress, quicker out of it.
        stressed = np.where(stressed, s["regime"][t] > 0.04, s["regime"][t] < 0.006)
        var = omega + alpha * prev_shock**2 + garch_beta * var
        stress = np.where(stressed, 1.8, 1.0)
        sigma = np.sqrt(var) * stress
        mu = np.where(stressed, -0.0008, drift)
        reversion = -kappa * (log_p - recent.mean(axis=0))
        shock = 0.85 * sigma * s["shock"][t] + 0.4 * beta * base_vol * s["market"][t]
        r = mu + reversion + shock
        # The GARCH recursion sees the shock without the regime's multiplier, so stress cannot explode it.
        prev_shock = shock / stress
        log_p = log_p + r
        recent[t % 5] = log_p
        returns[t], vol[t] = r, sigma

    adj_close = np.exp(np.log(start_price) + np.cumsum(returns, axis=0))
    # Splits: 2:1 or 3:1 on a few days per decade; the raw close drops, the adjusted close does not.
    split_ratio = np.where(s["split"] < 0.0006, np.where(s["split"] < 0.0002, 3.0, 2.0), 1.0)
    shares_factor = np.cumprod(split_ratio, axis=0)  # how many of today's shares one original share is
    close = adj_close / shares_factor
    # The overnight part of the move: a gap, now and then a jump.
    jump = np.where(s["jump"] < 0.01, 3.0, 1.0)
    gap = np.clip(0.35 * vol * s["gap"] * jump, -0.5, 0.5)
    prev_adj = np.vstack([start_price[None, :], adj_close[:-1]])
    adj_open = prev_adj * np.exp(gap)
    hi = np.maximum(adj_open, adj_close) * np.exp(0.45 * vol * s["range"][..., 0])
    lo = np.minimum(adj_open, adj_close) * np.exp(-0.45 * vol * s["range"][..., 1])
    move = np.abs(returns) / base_vol
    volume = base_volume * shares_factor * np.exp(0.35 * s["volume"] + 0.25 * move)

    frame = pd.DataFrame(
        {
            "date": np.repeat(days.to_numpy(), k),
            "ticker": np.tile(np.array(ticker_symbols(k), dtype=object), n),
            "open": (adj_open / shares_factor).ravel(),
            "high": (hi / shares_factor).ravel(),
            "low": (lo / shares_factor).ravel(),
            "close": close.ravel(),
            "adj_close": adj_close.ravel(),
            "volume": np.round(volume).ravel(),
            "_day": np.repeat(np.arange(n), k),
            "_ticker": np.tile(np.arange(k), n),
        }
    )
    return frame


def to_raw(bars: pd.DataFrame, dirty_share: float) -> pa.Table:
    """Bars as the export writes them (text, rounded), with the dirty rows and gaps planted."""
    day, tick = bars["_day"].to_numpy(), bars["_ticker"].to_numpy()
    gone = _uniform(day, tick, 1) < GAP_SHARE
    b = bars.loc[~gone]
    day, tick = day[~gone], tick[~gone]
    u = _uniform(day, tick, 2)
    kind = np.where(
        u < dirty_share,
        np.minimum((_uniform(day, tick, 3) * len(DIRTY_KINDS)).astype(int), len(DIRTY_KINDS) - 1),
        -1,
    )
    text = {
        "Date": b["date"].dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
        "Open": np.char.mod("%.4f", b["open"].to_numpy()).astype(object),
        "High": np.char.mod("%.4f", b["high"].to_numpy()).astype(object),
        "Low": np.char.mod("%.4f", b["low"].to_numpy()).astype(object),
        "Close": np.char.mod("%.4f", b["close"].to_numpy()).astype(object),
        "Adj Close": np.char.mod("%.6f", b["adj_close"].to_numpy()).astype(object),
        "Volume": np.char.mod("%d", b["volume"].to_numpy().astype(np.int64)).astype(object),
        "Ticker": b["ticker"].to_numpy(dtype=object),
    }
    hi, lo = text["High"].copy(), text["Low"].copy()
    swap = kind == 0
    text["High"][swap], text["Low"][swap] = lo[swap], hi[swap]
    text["Volume"][kind == 1] = "-" + text["Volume"][kind == 1]
    text["Close"][kind == 2] = "0.0000"
    text["Close"][kind == 3] = None
    text["Date"][kind == 4] = [d.replace("-", "/") for d in text["Date"][kind == 4]]
    frame = pd.DataFrame(text)
    dupes = frame.loc[kind == 5].assign(Volume=lambda f: f["Volume"].astype(str) + "0")
    # The re-sent bar follows the original (a feed correction that must not win silently).
    order = np.concatenate([np.arange(len(frame)), np.flatnonzero(kind == 5) + 0.5])
    out = pd.concat([frame, dupes], ignore_index=True).iloc[np.argsort(order, kind="stable")]
    table = pa.Table.from_pandas(out.reset_index(drop=True), preserve_index=False)
    table = pa.table({c: pc.cast(table[c], pa.string()) for c in RAW_COLUMNS})
    return table.append_column(RAW_LINE_COLUMN, pa.nulls(table.num_rows, pa.string()))


def date_slice(table: pa.Table, after: str | None, before: str) -> pa.Table:
    """Bars dated after the warehouse's high-water mark and before the run's date.

    Rows whose date cannot be read are kept only on the first load (no mark yet), so they are
    quarantined once, not by every run.
    """
    parsed = pc.strptime(pc.fill_null(table["Date"], ""), format="%Y-%m-%d", unit="s", error_is_null=True)
    day = pc.cast(parsed, pa.date32())
    keep = pc.less(day, pa.scalar(date.fromisoformat(before), pa.date32()))
    if after is not None:
        keep = pc.and_(keep, pc.greater(day, pa.scalar(date.fromisoformat(after), pa.date32())))
    keep = pc.fill_null(keep, after is None)
    return table.filter(keep)


def synthetic_extract(
    after: str | None, before: str, n_tickers: int, dirty_share: float, signal: float = 1.0
) -> RawExtract:
    """The synthetic market's bars in (after, before) as raw text, with the dirty rows."""
    last = (pd.Timestamp(before) - pd.Timedelta(days=1)).date()
    bars = generate_market(last, n_tickers, signal=signal)
    if after is not None:
        bars = bars.loc[bars["date"] > pd.Timestamp(after)]
    table = to_raw(bars, dirty_share)
    return RawExtract(
        table,
        checksum_table(table),
        f"synthetic:{GENERATOR_VERSION}:tickers={n_tickers}:after={after}:before={before}",
    )


def file_extract(path: str, after: str | None, before: str) -> RawExtract:
    """A user's export (CSV or Parquet, the documented columns), cut to the run's slice of dates."""
    raw = sources.read_file_source(path, before, RAW_COLUMNS, "FINANCIAL_SOURCE")
    sliced = date_slice(raw.table, after, before)
    return RawExtract(sliced, checksum_table(sliced), f"{raw.source}#after={after}&before={before}")
