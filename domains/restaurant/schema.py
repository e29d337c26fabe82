"""Restaurant raw schema (the public restaurant-review export layout) and the sentiment classes."""

from __future__ import annotations

from domains.core import sources
from domains.core.quality import Expectation, quarantine_table
from domains.core.warehouse import TableDef

# Column names of the widely used public review export, so a user's extract runs as is.
RAW_COLUMNS: tuple[str, ...] = (
    "review_id",
    "user_id",
    "business_id",
    "stars",
    "date",
    "text",
    "useful",
    "funny",
    "cool",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("review_id", "user_id", "business_id", "stars", "date", "text")
BUSINESS_COLUMNS: tuple[str, ...] = ("business_id", "name", "city", "categories")
RAW_LINE_COLUMN = sources.RAW_LINE_COLUMN

# The export's ids are 22 URL-safe base64 characters.
ID_PATTERN = r"^[A-Za-z0-9_-]{22}$"

# Sentiment classes derived from stars: the target the classifier learns and VADER is judged on.
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")


def sentiment_from_stars(stars: int) -> str:
    """1-2 stars negative, 3 neutral, 4-5 positive."""
    return "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"


SILVER = TableDef(
    "restaurant_silver_reviews",
    {
        "ds": "date",
        "review_id": "str",
        "user_id": "str",
        "business_id": "str",
        "business_name": "str",
        "city": "str",
        "review_ts": "datetime",
        "stars": "int",
        "sentiment": "str",
        "text": "str",
        # Model tokens (negation-marked, stop words dropped): train reads them instead of re-tokenising.
        "tokens": "str",
        "n_tokens": "int",
        "has_negation": "int",
        "vader_compound": "float",
        "vader_label": "str",
        "useful": "int",
        "funny": "int",
        "cool": "int",
        "source_checksum": "str",
    },
    indexes=(("business_id",),),
)

# The businesses file as it was on the run's date (names and cities change; reviews keep theirs).
BUSINESSES = TableDef(
    "restaurant_silver_businesses",
    {"ds": "date", "business_id": "str", "name": "str", "city": "str", "categories": "str"},
)

GOLD_DAILY = TableDef(
    "restaurant_gold_daily",
    {
        "ds": "date",
        "reviews": "int",
        "businesses_reviewed": "int",
        "avg_stars": "float",
        "negative_share": "float",
        "neutral_share": "float",
        "positive_share": "float",
        "vader_mean": "float",
        "alerts": "int",
        "quarantined": "int",
        "quarantine_share": "float",
    },
)

_SENTIMENT_COUNTS = {
    "reviews": "int",
    "stars_sum": "int",
    "avg_stars": "float",
    "negative_reviews": "int",
    "neutral_reviews": "int",
    "positive_reviews": "int",
    "negative_share": "float",
    "neutral_share": "float",
    "positive_share": "float",
    "vader_mean": "float",
}

GOLD_BUSINESS = TableDef(
    "restaurant_gold_business_daily",
    {
        "ds": "date",
        "business_id": "str",
        "name": "str",
        "city": "str",
        **_SENTIMENT_COUNTS,
        # Trends over the trailing windows ending on ds (today included).
        "avg_stars_7d": "float",
        "avg_stars_30d": "float",
        "reviews_7d": "int",
        "reviews_30d": "int",
        "negative_share_7d": "float",
        # Velocity: the busiest two hours of the day and what a normal day would lead to expect;
        # within those two hours, the share of 5-star reviews and of reviews repeating another's text.
        "max_reviews_2h": "int",
        "expected_reviews_2h": "float",
        "five_star_share": "float",
        "duplicate_text_share": "float",
    },
    indexes=(("business_id",),),
)

GOLD_CITY = TableDef(
    "restaurant_gold_city_daily",
    {"ds": "date", "city": "str", **_SENTIMENT_COUNTS, "avg_stars_7d": "float", "reviews_7d": "int"},
)

ALERT_KINDS: tuple[str, ...] = ("negative_sentiment_spike", "rating_drop", "review_burst")

GOLD_ALERTS = TableDef(
    "restaurant_gold_alerts",
    {
        "ds": "date",
        "business_id": "str",
        "name": "str",
        "city": "str",
        "alert": "str",
        "severity": "str",
        "value": "float",
        "baseline": "float",
        "detail": "str",
    },
)

# Written by validate: how the champion reads the day's reviews next to the stars and VADER.
GOLD_MODEL = TableDef(
    "restaurant_gold_model_daily",
    {
        "ds": "date",
        "model_version": "str",
        "scored": "int",
        "pred_negative_share": "float",
        "pred_neutral_share": "float",
        "pred_positive_share": "float",
        "f1_macro_vs_stars": "float",
        "vader_f1_macro_vs_stars": "float",
    },
)

QUARANTINE = quarantine_table("restaurant")


def silver_expectations(min_rows: int) -> list[Expectation]:
    """Batch-level checks on the clean partition; any failure stops the run before load."""
    return [
        Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": list(SILVER.columns)}),
        Expectation("ExpectTableRowCountToBeBetween", {"min_value": min_rows}),
        Expectation("ExpectColumnValuesToBeUnique", {"column": "review_id"}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "review_id"}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "business_name"}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "review_ts"}),
        Expectation("ExpectColumnValuesToBeBetween", {"column": "stars", "min_value": 1, "max_value": 5}),
        Expectation("ExpectColumnValuesToBeInSet", {"column": "sentiment", "value_set": list(SENTIMENTS)}),
        Expectation("ExpectColumnValuesToBeInSet", {"column": "vader_label", "value_set": list(SENTIMENTS)}),
        Expectation(
            "ExpectColumnValuesToBeBetween", {"column": "vader_compound", "min_value": -1, "max_value": 1}
        ),
        Expectation("ExpectColumnValuesToBeBetween", {"column": "n_tokens", "min_value": 0}),
        # Every sentiment class present in a real day's mix; a feed of only 5-star reviews is broken.
        Expectation(
            "ExpectColumnDistinctValuesToContainSet",
            {"column": "sentiment", "value_set": list(SENTIMENTS)},
        ),
        Expectation("ExpectColumnMeanToBeBetween", {"column": "stars", "min_value": 1.5, "max_value": 4.8}),
    ]
