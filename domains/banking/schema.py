"""Banking's raw schemas (customers, accounts, transactions, loan applications), warehouse tables,
expectations and the classification of every column (public, internal, confidential, restricted)."""

from __future__ import annotations

from domains.core.quality import Expectation, quarantine_table
from domains.core.warehouse import TableDef

ENTITIES: tuple[str, ...] = ("transactions", "accounts", "customers", "loans")

RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id",
        "full_name",
        "date_of_birth",
        "address",
        "postcode",
        "email",
        "phone",
        "created_on",
    ),
    "accounts": (
        "account_id",
        "customer_id",
        "sort_code",
        "account_number",
        "iban",
        "product",
        "opened_on",
        "balance",
    ),
    "transactions": (
        "transaction_id",
        "account_id",
        "timestamp",
        "amount",
        "currency",
        "direction",
        "channel",
        "counterparty_sort_code",
        "counterparty_iban",
        "counterparty_country",
        "merchant_category",
        "description",
    ),
    # Lending-Club-like application with its outcome once the loan matured.
    "loans": (
        "application_id",
        "customer_id",
        "application_date",
        "annual_income",
        "employment_length",
        "home_ownership",
        "loan_amount",
        "purpose",
        "term",
        "dti",
        "delinq_2yrs",
        "credit_history_years",
        "revol_util",
        "default",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id", "full_name", "date_of_birth", "postcode", "created_on"),
    "accounts": ("account_id", "customer_id", "sort_code", "account_number", "iban", "product", "opened_on"),
    "transactions": (
        "transaction_id",
        "account_id",
        "timestamp",
        "amount",
        "currency",
        "direction",
        "channel",
    ),
    "loans": (
        "application_id",
        "application_date",
        "annual_income",
        "employment_length",
        "home_ownership",
        "loan_amount",
        "purpose",
        "term",
        "dti",
        "default",
    ),
}
PRODUCTS: tuple[str, ...] = ("current", "savings", "isa", "business")
DIRECTIONS: tuple[str, ...] = ("credit", "debit")
CHANNELS: tuple[str, ...] = (
    "card",
    "faster_payment",
    "bacs",
    "chaps",
    "direct_debit",
    "standing_order",
    "cash",
    "international",
)
EMPLOYMENT_LENGTHS: tuple[str, ...] = (
    "< 1 year",
    *(f"{n} year{'s' if n > 1 else ''}" for n in range(1, 10)),
    "10+ years",
)
HOME_OWNERSHIP: tuple[str, ...] = ("RENT", "MORTGAGE", "OWN", "OTHER")
PURPOSES: tuple[str, ...] = (
    "debt_consolidation",
    "credit_card",
    "home_improvement",
    "major_purchase",
    "small_business",
    "car",
    "medical",
    "other",
)
TERMS: tuple[str, ...] = ("36 months", "60 months")

# Credit-risk model inputs, computed the same way in silver and at the API (domains.banking.features).
FEATURES: tuple[str, ...] = (
    "annual_income_log",
    "loan_amount",
    "loan_to_income",
    "dti",
    "delinq_2yrs",
    "credit_history_years",
    "revol_util",
    "employment_years",
    "term_60",
    *(f"home_{h.lower()}" for h in HOME_OWNERSHIP[:3]),
    *(f"purpose_{p}" for p in PURPOSES[:-1]),
)

CUSTOMERS = TableDef(
    "banking_silver_customers",
    {
        "ds": "date",
        "customer_id": "str",
        "full_name": "str",
        "date_of_birth": "str",
        "address": "str",
        "postcode": "str",
        "email": "str",
        "phone": "str",
        "created_on": "str",
        "erased_at": "datetime",
        "source_checksum": "str",
    },
    indexes=(("customer_id",),),
)
ACCOUNTS = TableDef(
    "banking_silver_accounts",
    {
        "ds": "date",
        "account_id": "str",
        "customer_id": "str",
        "sort_code": "str",
        "account_number": "str",
        "iban": "str",
        "product": "str",
        "opened_on": "str",
        "balance": "float",
        "source_checksum": "str",
    },
    indexes=(("account_id",), ("customer_id",)),
)
TRANSACTIONS = TableDef(
    "banking_silver_transactions",
    {
        "ds": "date",
        "transaction_id": "str",
        "account_id": "str",
        "customer_id": "str",
        "ts": "datetime",
        "amount": "float",
        "currency": "str",
        "amount_gbp": "float",
        "direction": "str",
        "channel": "str",
        "counterparty_sort_code": "str",
        "counterparty_iban": "str",
        "counterparty_country": "str",
        "merchant_category": "str",
        "description": "str",
        # AML features: per account, over the window ending at (and including) this transaction.
        "tx_count_5m": "int",
        "debit_gbp_24h": "float",
        "credit_gbp_24h": "float",
        "cash_near_threshold_24h": "int",
        "high_risk_country": "bool",
        "aml_rules": "str",
        "source_checksum": "str",
    },
    indexes=(("customer_id",),),
)
LOANS = TableDef(
    "banking_silver_loans",
    {
        "ds": "date",
        "application_id": "str",
        "customer_id": "str",
        "application_date": "str",
        "annual_income": "float",
        "employment_length": "str",
        "home_ownership": "str",
        "loan_amount": "float",
        "purpose": "str",
        "term": "str",
        "dti": "float",
        "delinq_2yrs": "int",
        "credit_history_years": "float",
        "revol_util": "float",
        "default": "int",
        **{f: "float" for f in FEATURES if f not in ("loan_amount", "dti", "delinq_2yrs")},
        "source_checksum": "str",
    },
)
SILVER: dict[str, TableDef] = {
    "transactions": TRANSACTIONS,
    "accounts": ACCOUNTS,
    "customers": CUSTOMERS,
    "loans": LOANS,
}

GOLD_DAILY = TableDef(
    "banking_gold_daily_kpis",
    {
        "ds": "date",
        "transactions": "int",
        "value_gbp": "float",
        "credits_gbp": "float",
        "debits_gbp": "float",
        "avg_value_gbp": "float",
        "accounts_active": "int",
        "customers_active": "int",
        "suspicious_transactions": "int",
        "suspicious_activity_rate": "float",
        "aml_alerts": "int",
        "quarantined": "int",
        "quarantine_share": "float",
    },
)
GOLD_CHANNEL = TableDef(
    "banking_gold_channel_currency",
    {
        "ds": "date",
        "channel": "str",
        "currency": "str",
        "direction": "str",
        "transactions": "int",
        "value": "float",
        "value_gbp": "float",
    },
)
GOLD_DQ = TableDef(
    "banking_gold_dq_scores",
    {
        "ds": "date",
        "entity": "str",
        "dimension": "str",
        "rows": "int",
        "failed": "int",
        "score": "float",
    },
)
ALERTS = TableDef(
    "banking_gold_aml_alerts",
    {
        "ds": "date",
        "alert_id": "str",
        "account_id": "str",
        "customer_id": "str",
        "rule": "str",
        "severity": "str",
        "alert_ts": "datetime",
        "amount_gbp": "float",
        "transactions": "int",
        "evidence": "json",
    },
    indexes=(("severity",), ("account_id",)),
)
# Written by validate: the champion's scores on the day's applications, and the alert volume.
GOLD_CREDIT = TableDef(
    "banking_gold_credit_daily",
    {
        "ds": "date",
        "model_version": "str",
        "applications": "int",
        "mean_pd": "float",
        "high_risk_share": "float",
        "observed_default_rate": "float",
        "roc_auc": "float",
    },
)
GOLD_AML_VOLUME = TableDef(
    "banking_gold_aml_volume",
    {
        "ds": "date",
        "rule": "str",
        "alerts": "int",
        "trailing_mean": "float",
        "ratio_to_trailing": "float",
    },
)
GOLD_ACCOUNT_ANOMALY = TableDef(
    "banking_gold_account_anomaly",
    {
        "ds": "date",
        "account_id": "str",
        "anomaly_score": "float",
        "rank": "int",
        "flagged": "bool",
        "transactions": "int",
        "debit_gbp": "float",
        "credit_gbp": "float",
    },
)
QUARANTINE = quarantine_table("banking")

PUBLIC, INTERNAL, CONFIDENTIAL, RESTRICTED = "public", "internal", "confidential", "restricted"
# Restricted: identifies a person or opens their money (masked at the API without `admin`, erased on
# request). Confidential: a person's financial facts. Internal: our own keys and codes. Public: standard
# reference values anyone may read.
_RESTRICTED = {
    "full_name",
    "date_of_birth",
    "address",
    "postcode",
    "email",
    "phone",
    "account_number",
    "iban",
    "counterparty_iban",
    "counterparty_sort_code",
    "record",  # quarantined raw rows may hold any of the above
}
_CONFIDENTIAL = {
    "balance",
    "amount",
    "amount_gbp",
    "value",
    "annual_income",
    "annual_income_log",
    "loan_amount",
    "loan_to_income",
    "dti",
    "delinq_2yrs",
    "credit_history_years",
    "revol_util",
    "default",
    "description",
    "debit_gbp_24h",
    "credit_gbp_24h",
    "evidence",
    "anomaly_score",
    "aml_rules",
    "rule",
    "severity",
    "flagged",
    "debit_gbp",
    "credit_gbp",
}
_PUBLIC = {"currency", "counterparty_country", "merchant_category", "channel", "direction", "ds", "dimension"}
WAREHOUSE_TABLES: tuple[TableDef, ...] = (
    *SILVER.values(),
    GOLD_DAILY,
    GOLD_CHANNEL,
    GOLD_DQ,
    ALERTS,
    GOLD_CREDIT,
    GOLD_AML_VOLUME,
    GOLD_ACCOUNT_ANOMALY,
    QUARANTINE,
)


def classify(column: str) -> str:
    """The classification of a banking column, by name (one name means one thing in every table)."""
    if column in _RESTRICTED:
        return RESTRICTED
    if column in _CONFIDENTIAL:
        return CONFIDENTIAL
    if column in _PUBLIC:
        return PUBLIC
    return INTERNAL


def catalogue() -> list[dict[str, str]]:
    """Every column of every banking table with its classification (the data catalogue's rows)."""
    return [
        {"table": t.name, "column": c, "type": kind, "classification": classify(c)}
        for t in WAREHOUSE_TABLES
        for c, kind in t.columns.items()
    ]


def expectations(entity: str, min_rows: int) -> list[Expectation]:
    """Batch-level checks on one entity's clean partition; any failure stops the run before load."""
    table = SILVER[entity]
    key = RAW_COLUMNS[entity][0]
    common = [
        Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": list(table.columns)}),
        Expectation("ExpectTableRowCountToBeBetween", {"min_value": min_rows}),
        Expectation("ExpectColumnValuesToBeUnique", {"column": key}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": key}),
    ]
    specific = {
        "transactions": [
            Expectation("ExpectColumnValuesToNotBeNull", {"column": "amount_gbp"}),
            Expectation(
                "ExpectColumnValuesToBeBetween", {"column": "amount", "min_value": 0.01, "max_value": 5e6}
            ),
            Expectation(
                "ExpectColumnValuesToBeInSet", {"column": "direction", "value_set": list(DIRECTIONS)}
            ),
            Expectation("ExpectColumnValuesToBeInSet", {"column": "channel", "value_set": list(CHANNELS)}),
            Expectation("ExpectColumnValuesToNotBeNull", {"column": "customer_id"}),
            Expectation("ExpectColumnValuesToBeBetween", {"column": "tx_count_5m", "min_value": 1}),
        ],
        "accounts": [
            Expectation(
                "ExpectColumnValuesToMatchRegex", {"column": "sort_code", "regex": r"^\d{2}-\d{2}-\d{2}$"}
            ),
            Expectation("ExpectColumnValuesToMatchRegex", {"column": "account_number", "regex": r"^\d{8}$"}),
            Expectation("ExpectColumnValuesToBeInSet", {"column": "product", "value_set": list(PRODUCTS)}),
        ],
        "customers": [Expectation("ExpectColumnValuesToNotBeNull", {"column": "postcode"})],
        "loans": [
            Expectation("ExpectColumnValuesToBeInSet", {"column": "default", "value_set": [0, 1]}),
            Expectation(
                "ExpectColumnValuesToBeBetween",
                {"column": "loan_amount", "min_value": 500, "max_value": 40_000},
            ),
            Expectation("ExpectColumnValuesToBeInSet", {"column": "term", "value_set": list(TERMS)}),
            # No defaults at all, or a flood of them, means the outcome feed is broken.
            Expectation(
                "ExpectColumnMeanToBeBetween", {"column": "default", "min_value": 0.01, "max_value": 0.6}
            ),
        ],
    }
    return common + specific[entity]
