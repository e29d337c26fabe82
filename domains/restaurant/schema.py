"""Restaurant raw schema (the public restaurant-review export layout) and the sentiment classes."""

from __future__ import annotations

from domains.core import sources

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
