"""Fraud's raw schema (the public simulated card-transaction layout), warehouse tables and expectations."""

from __future__ import annotations

from domains.core import sources
from domains.core.quality import Expectation, quarantine_table
from domains.core.warehouse import TableDef

# Column names of the widely used simulated card-transaction dataset, so a user's export runs as is.
RAW_COLUMNS: tuple[str, ...] = (
    "trans_date_trans_time",
    "cc_num",
    "merchant",
    "category",
    "amt",
    "first",
    "last",
    "gender",
    "street",
    "city",
    "state",
    "zip",
    "lat",
    "long",
    "city_pop",
    "job",
    "dob",
    "trans_num",
    "unix_time",
    "merch_lat",
    "merch_long",
    "is_fraud",
)
RAW_LINE_COLUMN = sources.RAW_LINE_COLUMN  # raw lines the CSV parser could not split
REQUIRED_COLUMNS: tuple[str, ...] = (
    "trans_date_trans_time",
    "cc_num",
    "merchant",
    "category",
    "amt",
    "lat",
    "long",
    "trans_num",
    "merch_lat",
    "merch_long",
    "is_fraud",
)
# Personal data that never reaches silver (cc_num becomes a keyed pseudonym, dob becomes age).
PERSONAL_COLUMNS: tuple[str, ...] = ("first", "last", "street", "dob", "cc_num")

CATEGORIES: tuple[str, ...] = (
    "entertainment",
    "food_dining",
    "gas_transport",
    "grocery_net",
    "grocery_pos",
    "health_fitness",
    "home",
    "kids_pets",
    "misc_net",
    "misc_pos",
    "personal_care",
    "shopping_net",
    "shopping_pos",
    "travel",
)

FEATURES: tuple[str, ...] = (
    "amt",
    "amt_log",
    "amt_zscore_card",
    "card_history_n",
    "hour",
    "is_night",
    "vel_count_1h",
    "vel_amount_1h",
    "vel_count_24h",
    "vel_amount_24h",
    "distance_km",
    "category_risk",
    "cat_share_card",
    "age",
    "city_pop_log",
    "gender_m",
)

SILVER = TableDef(
    "fraud_silver_transactions",
    {
        "ds": "date",
        "trans_num": "str",
        "card_id": "str",
        "trans_ts": "datetime",
        "unix_time": "int",
        "merchant": "str",
        "category": "str",
        "amt": "float",
        "gender": "str",
        "city": "str",
        "state": "str",
        "zip": "str",
        "lat": "float",
        "long": "float",
        "city_pop": "int",
        "job": "str",
        "merch_lat": "float",
        "merch_long": "float",
        "is_fraud": "int",
        "age": "float",
        "amt_log": "float",
        "amt_zscore_card": "float",
        "card_history_n": "int",
        "hour": "int",
        "is_night": "int",
        "vel_count_1h": "int",
        "vel_amount_1h": "float",
        "vel_count_24h": "int",
        "vel_amount_24h": "float",
        "distance_km": "float",
        "category_risk": "float",
        "cat_share_card": "float",
        "city_pop_log": "float",
        "gender_m": "int",
        "source_checksum": "str",
    },
)

GOLD_DAILY = TableDef(
    "fraud_gold_daily",
    {
        "ds": "date",
        "transactions": "int",
        "fraud_transactions": "int",
        "fraud_rate": "float",
        "amount_total": "float",
        "amount_fraud": "float",
        "avg_amount": "float",
        "cards_active": "int",
        "quarantined": "int",
        "quarantine_share": "float",
    },
)

GOLD_CATEGORY = TableDef(
    "fraud_gold_category_daily",
    {
        "ds": "date",
        "category": "str",
        "transactions": "int",
        "fraud_transactions": "int",
        "fraud_rate": "float",
        "amount_total": "float",
    },
)

# Written by validate: how many of the day's transactions the champion flags.
GOLD_RISK = TableDef(
    "fraud_gold_risk_daily",
    {
        "ds": "date",
        "model_version": "str",
        "threshold": "float",
        "scored": "int",
        "high_risk": "int",
        "high_risk_share": "float",
        "high_risk_amount": "float",
        "flagged_fraud_recall": "float",
    },
)

QUARANTINE = quarantine_table("fraud")


def silver_expectations(min_rows: int) -> list[Expectation]:
    """Batch-level checks on the clean partition; any failure stops the run before load."""
    return [
        Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": list(SILVER.columns)}),
        Expectation("ExpectTableRowCountToBeBetween", {"min_value": min_rows}),
        Expectation("ExpectColumnValuesToBeUnique", {"column": "trans_num"}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "trans_num"}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "card_id"}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "trans_ts"}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "amt"}),
        Expectation(
            "ExpectColumnValuesToBeBetween", {"column": "amt", "min_value": 0.01, "max_value": 100_000}
        ),
        Expectation("ExpectColumnValuesToBeInSet", {"column": "is_fraud", "value_set": [0, 1]}),
        Expectation("ExpectColumnValuesToBeInSet", {"column": "category", "value_set": list(CATEGORIES)}),
        Expectation("ExpectColumnValuesToBeBetween", {"column": "lat", "min_value": -90, "max_value": 90}),
        Expectation("ExpectColumnValuesToBeBetween", {"column": "long", "min_value": -180, "max_value": 180}),
        Expectation("ExpectColumnValuesToBeBetween", {"column": "hour", "min_value": 0, "max_value": 23}),
        Expectation("ExpectColumnValuesToBeBetween", {"column": "vel_count_1h", "min_value": 1}),
        Expectation(
            "ExpectColumnValuesToBeBetween", {"column": "distance_km", "min_value": 0, "max_value": 20_100}
        ),
        # A day with no fraud at all, or a flood of it, means the feed is broken, not a quiet day.
        Expectation(
            "ExpectColumnMeanToBeBetween", {"column": "is_fraud", "min_value": 0.0, "max_value": 0.2}
        ),
    ]
