"""Financial raw schema (the common daily OHLCV export), warehouse tables and the batch suite."""

from __future__ import annotations

from domains.core import sources
from domains.core.quality import Expectation, quarantine_table
from domains.core.warehouse import TableDef

# The column names of the usual daily-bar export (one file, many tickers), so a user's file runs as is.
RAW_COLUMNS: tuple[str, ...] = ("Date", "Open", "High", "Low", "Close", "Adj Close", "Volume", "Ticker")
RAW_LINE_COLUMN = sources.RAW_LINE_COLUMN
TICKER_PATTERN = r"^[A-Z][A-Z0-9.\-]{0,9}$"

PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close")

SILVER = TableDef(
    "financial_silver_prices",
    {
        "ds": "date",
        "ticker": "str",
        "date": "date",
        "open": "float",
        "high": "float",
        "low": "float",
        "close": "float",
        "adj_close": "float",
        "volume": "float",
        # adj_close / close: applied to open, high and low so indicators see split-free prices.
        "adj_factor": "float",
        "source_checksum": "str",
    },
    indexes=(("ticker", "date"),),
)

# The model's inputs, per bar, scale-free so that one model serves every ticker.
FEATURES: tuple[str, ...] = (
    "log_return",
    "return_5d",
    "close_to_sma5",
    "close_to_sma20",
    "macd",
    "macd_signal",
    "macd_hist",
    "rsi14",
    "bollinger_pct_b",
    "bollinger_width",
    "atr14",
    "volume_z20",
    "range",
    "gap",
)

INDICATORS = TableDef(
    "financial_gold_indicators",
    {
        "ds": "date",
        "ticker": "str",
        "date": "date",
        # The raw close forecasts are quoted against, and the adjusted one returns are computed from.
        "close": "float",
        "adj_close": "float",
        "sma5": "float",
        "sma20": "float",
        "ema12": "float",
        "ema26": "float",
        **{f: "float" for f in FEATURES},
    },
    indexes=(("ticker", "date"),),
)

# One row per run: what arrived and how clean it was (market data quality over time).
GOLD_DAILY = TableDef(
    "financial_gold_market_daily",
    {
        "ds": "date",
        "bars": "int",
        "tickers": "int",
        "first_date": "date",
        "last_date": "date",
        "quarantined": "int",
        "quarantine_share": "float",
        # Trading days inside the delivered range for which a ticker has no bar.
        "missing_bars": "int",
        "mean_log_return": "float",
        "return_std": "float",
    },
)

# Written by validate: the champion's forecast for each ticker's next bar, and once that bar has
# arrived, the actual return beside it.
FORECASTS = TableDef(
    "financial_gold_forecasts",
    {
        "ds": "date",
        "ticker": "str",
        "as_of": "date",
        "target_date": "date",
        "model_version": "str",
        "last_close": "float",
        "predicted_return": "float",
        "predicted_close": "float",
    },
    indexes=(("ticker", "target_date"),),
)

# Written by validate: rolling prediction-vs-actual once the forecast bars have arrived.
GOLD_TRACKING = TableDef(
    "financial_gold_tracking",
    {
        "ds": "date",
        "model_version": "str",
        "forecasts_scored": "int",
        "rmse_return": "float",
        "random_walk_rmse_return": "float",
        "rmse_ratio_to_random_walk": "float",
        "directional_accuracy": "float",
        "returns_psi": "float",
        "beats_random_walk_at_training": "int",
    },
)

QUARANTINE = quarantine_table("financial")


def silver_expectations(min_rows: int) -> list[Expectation]:
    """Batch-level checks on the clean partition; any failure stops the run before load."""
    return [
        Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": list(SILVER.columns)}),
        Expectation("ExpectTableRowCountToBeBetween", {"min_value": min_rows}),
        Expectation("ExpectCompoundColumnsToBeUnique", {"column_list": ["ticker", "date"]}),
        *(Expectation("ExpectColumnValuesToNotBeNull", {"column": c}) for c in ("ticker", "date")),
        *(
            Expectation("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0, "strict_min": True})
            for c in PRICE_COLUMNS
        ),
        Expectation("ExpectColumnValuesToBeBetween", {"column": "volume", "min_value": 0}),
        Expectation(
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": "high", "column_B": "low", "or_equal": True},
        ),
    ]
