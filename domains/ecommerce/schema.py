"""E-commerce raw schema (the public online-retail transaction layout), warehouse tables, expectations."""

from __future__ import annotations

from domains.core import sources
from domains.core.quality import Expectation, quarantine_table
from domains.core.warehouse import TableDef

# Column names of the widely used online-retail transaction dataset, so a user's export runs as is.
RAW_COLUMNS: tuple[str, ...] = (
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
)
# Customer ID is optional: a blank one is a guest order, kept and counted, never silently dropped.
REQUIRED_COLUMNS: tuple[str, ...] = ("Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Country")
RAW_LINE_COLUMN = sources.RAW_LINE_COLUMN
INVOICE_PATTERN = r"^C?\d{6,8}$"  # "C" marks a cancellation
STOCK_CODE_PATTERN = r"^[A-Za-z0-9 _-]{1,20}$"  # product codes and service codes (POST, M, DOT)

SEGMENTS: tuple[str, ...] = (
    "champions",
    "loyal",
    "potential_loyalists",
    "new",
    "need_attention",
    "at_risk",
    "hibernating",
)

SILVER = TableDef(
    "ecommerce_silver_order_lines",
    {
        "ds": "date",
        "invoice": "str",
        "stock_code": "str",
        "description": "str",
        "quantity": "int",
        "invoice_ts": "datetime",
        "price": "float",
        "line_amount": "float",  # quantity x price: negative for cancellations
        "customer_id": "str",  # null for guest orders
        "country": "str",
        "is_cancellation": "bool",
        "is_guest": "bool",
        "source_checksum": "str",
    },
    indexes=(("customer_id",),),
)

# Per customer and day: what RFM, the model's features and the API read instead of every order line.
GOLD_CUSTOMER_DAILY = TableDef(
    "ecommerce_gold_customer_daily",
    {
        "ds": "date",
        "customer_id": "str",
        "country": "str",
        "orders": "int",
        "items": "int",
        "revenue_gross": "float",
        "returns": "float",
        "revenue_net": "float",
    },
    indexes=(("customer_id",),),
)

GOLD_DAILY = TableDef(
    "ecommerce_gold_daily",
    {
        "ds": "date",
        "orders": "int",
        "cancellations": "int",
        "revenue_gross": "float",
        "returns": "float",
        "revenue_net": "float",
        "avg_order_value": "float",
        "customers": "int",
        "new_customers": "int",
        "repeat_purchase_rate": "float",
        "guest_orders": "int",
        "guest_revenue": "float",
        "quarantined": "int",
        "quarantine_share": "float",
    },
)

GOLD_COUNTRY = TableDef(
    "ecommerce_gold_country_daily",
    {"ds": "date", "country": "str", "orders": "int", "customers": "int", "revenue_net": "float"},
)

# The RFM snapshot of every customer seen in the last year, as of ds.
GOLD_RFM = TableDef(
    "ecommerce_gold_rfm",
    {
        "ds": "date",
        "customer_id": "str",
        "country": "str",
        "recency_days": "int",
        "frequency": "int",
        "monetary": "float",
        "r_score": "int",
        "f_score": "int",
        "m_score": "int",
        "segment": "str",
    },
    indexes=(("customer_id",),),
)

GOLD_SEGMENTS = TableDef(
    "ecommerce_gold_segments",
    {"ds": "date", "segment": "str", "customers": "int", "share": "float", "monetary": "float"},
)

GOLD_ALERTS = TableDef(
    "ecommerce_gold_alerts",
    {
        "ds": "date",
        "metric": "str",
        "value": "float",
        "expected": "float",
        "lower": "float",
        "upper": "float",
        "detail": "str",
    },
)

# Written by validate: the champion's predicted spend over the horizon, per segment.
GOLD_VALUE = TableDef(
    "ecommerce_gold_predicted_value",
    {
        "ds": "date",
        "model_version": "str",
        "segment": "str",
        "customers": "int",
        "predicted_spend": "float",
        "mean_predicted_spend": "float",
    },
)

QUARANTINE = quarantine_table("ecommerce")


def silver_expectations(min_rows: int) -> list[Expectation]:
    """Batch-level checks on the clean partition; any failure stops the run before load."""
    return [
        Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": list(SILVER.columns)}),
        Expectation("ExpectTableRowCountToBeBetween", {"min_value": min_rows}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "invoice"}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "invoice_ts"}),
        Expectation(
            "ExpectColumnValuesToBeBetween", {"column": "price", "min_value": 0.001, "max_value": 50_000}
        ),
        Expectation("ExpectColumnValuesToNotBeInSet", {"column": "quantity", "value_set": [0]}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "customer_id", "mostly": 0.5}),
        # Cancellations are a few percent of lines; half the day cancelled means a broken feed.
        Expectation(
            "ExpectColumnMeanToBeBetween", {"column": "is_cancellation", "min_value": 0.0, "max_value": 0.2}
        ),
    ]
