"""Banking extract → transform → load: four raw entities to bronze, UK identifier and referential checks
with quarantine, AML features and alerts, daily KPIs and data-quality scores, one atomic load."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from domains.banking import aml, compliance, source, transactions, validators
from domains.banking.features import loan_features
from domains.banking.schema import (
    ACCOUNTS,
    ALERTS,
    CUSTOMERS,
    EMPLOYMENT_LENGTHS,
    ENTITIES,
    GOLD_CHANNEL,
    GOLD_DAILY,
    GOLD_DQ,
    HOME_OWNERSHIP,
    LOANS,
    PRODUCTS,
    PURPOSES,
    QUARANTINE,
    RAW_COLUMNS,
    REQUIRED,
    SILVER,
    TERMS,
    TRANSACTIONS,
    expectations,
)
from domains.banking.settings import get_banking_settings
from domains.core import etl, ops
from domains.core.bronze import BronzePartition, latest_bronze, read_bronze, write_bronze
from domains.core.pipeline import StageContext
from domains.core.quality import (
    RowSplit,
    missing_any,
    quarantine_frame,
    raw_columns,
    repeats_among_valid,
    split_rows,
    to_number,
    unparseable_rows,
)

# Transactions are the main extract (bronze/); each other entity has its own bronze folder.
LAYERS = {e: "bronze" if e == "transactions" else f"bronze_{e}" for e in ENTITIES}
SMALL_BATCH = 500  # below this many rows a quarantine share is noise, not a broken feed
SMALL_BATCH_MAX_SHARE = 0.5
POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"
EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
# Each rule counts against one data-quality dimension in gold; rules not listed are validity.
DIMENSIONS = ("completeness", "validity", "consistency", "uniqueness", "timeliness")
_DIMENSION_OF = {
    "unparseable_row": "completeness",
    "missing_required_field": "completeness",
    "iban_account_mismatch": "consistency",
    "counterparty_iban_mismatch": "consistency",
    "unknown_account": "consistency",
    "unknown_customer": "consistency",
    "future_timestamp": "timeliness",
    "stale_timestamp": "timeliness",
    "created_in_future": "timeliness",
}


# ---------------------------------------------------------------------------- extract
def last_loaded_before(ctx: StageContext) -> str | None:
    """The latest date loaded before this run's: master data after it is this run's delta."""
    value = ctx.warehouse.scalar(
        f'SELECT MAX(ds) FROM "{ops.AUDIT.name}" WHERE domain = :d AND action = :a AND ds < :ds',
        {"d": "banking", "a": "load", "ds": ctx.ds},
    ) if ctx.warehouse.has_table(ops.AUDIT.name) else None  # fmt: skip
    return str(value)[:10] if value else None


def extract(ctx: StageContext) -> dict[str, Any]:
    """Each entity's raw rows, untouched, to its own bronze partition with its checksum."""
    bank = get_banking_settings()
    if ctx.source.source == "synthetic":
        raws = source.synthetic_extract(
            ctx.ds,
            last_loaded_before(ctx),
            ctx.source.rows_per_day,
            bank.applications_per_day,
            ctx.source.dirty_share,
            bank.customers,
            bank.bank_code,
        )
    else:
        raws = source.file_extract(ctx.source.source, ctx.ds)
    parts = {
        e: write_bronze(ctx.data_dir, "banking", ctx.ds, r.table, r.checksum, r.source, layer=LAYERS[e])
        for e, r in raws.items()
    }
    rows = {e: p.rows for e, p in parts.items()}
    ctx.progress(f"extracted {sum(rows.values())} raw rows to bronze", rows=rows)
    return {
        "bronze": {e: p.to_dict() for e, p in parts.items()},
        "rows": rows,
        "checksum": parts["transactions"].checksum,
        "checksums": {e: p.checksum for e, p in parts.items()},
    }


def bronze_parts(ctx: StageContext) -> dict[str, BronzePartition]:
    """The extracts this run wrote (XCom), else the latest on disk per entity (CLI re-runs)."""
    if "extract" in ctx.upstream:
        return {e: BronzePartition(**d) for e, d in ctx.upstream["extract"]["bronze"].items()}
    parts = {e: latest_bronze(ctx.data_dir, "banking", ctx.ds, layer=LAYERS[e]) for e in ENTITIES}
    missing = [e for e, p in parts.items() if p is None]
    if missing:
        raise FileNotFoundError(f"no bronze partition for banking ds={ctx.ds} ({missing}); run extract first")
    return parts  # type: ignore[return-value]


# -------------------------------------------------------------------------- transform
def _text(s: pd.Series) -> pd.Series:
    return s.astype("str").str.strip()


def _isin(s: pd.Series, values: object) -> np.ndarray:
    """Membership in Arrow (pandas' isin on Arrow strings builds a Python list of the values first)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(s, type=pa.string(), from_pandas=True)
    found = pc.is_in(text, value_set=pa.array(list(values), type=pa.string()))
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def _matches(s: pd.Series, pattern: str) -> np.ndarray:
    return _text(s).str.fullmatch(pattern).fillna(False).to_numpy(bool)


def _present(s: pd.Series) -> np.ndarray:
    return (s.notna() & (_text(s) != "")).to_numpy(bool)


def _date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(_text(s), format="%Y-%m-%d", errors="coerce")


def check_customers(raw: pd.DataFrame, ds: str) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    s = raw_columns(raw, RAW_COLUMNS["customers"])
    dob, created = _date(s["date_of_birth"]), _date(s["created_on"])
    day = pd.Timestamp(ds)
    age = (day - dob).dt.days / 365.25
    postcode = _text(s["postcode"]).str.upper()
    failures = {
        "unparseable_row": unparseable_rows(raw),
        "missing_required_field": missing_any(s, REQUIRED["customers"]),
        "malformed_customer_id": ~_matches(s["customer_id"], r"[A-Za-z0-9_-]{1,64}"),
        "invalid_date_of_birth": ~age.between(16, 120).to_numpy(bool),
        "invalid_postcode": ~postcode.str.fullmatch(POSTCODE).fillna(False).to_numpy(bool),
        "invalid_email": _present(s["email"]) & ~_matches(s["email"], EMAIL),
        "invalid_created_on": created.isna().to_numpy(),
        "created_in_future": (created > day).fillna(False).to_numpy(bool),
    }
    failures["duplicate_customer_id"] = repeats_among_valid(failures, _text(s["customer_id"]))
    typed = pd.DataFrame(
        {
            "customer_id": _text(s["customer_id"]),
            "full_name": _text(s["full_name"]),
            "date_of_birth": dob.dt.strftime("%Y-%m-%d"),
            "address": _text(s["address"]),
            "postcode": postcode,
            "email": _text(s["email"]).str.lower(),
            "phone": _text(s["phone"]),
            "created_on": created.dt.strftime("%Y-%m-%d"),
        }
    )
    return typed, failures


def check_accounts(
    raw: pd.DataFrame, ds: str, known_customers: pd.Index, bank_code: str
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    s = raw_columns(raw, RAW_COLUMNS["accounts"])
    opened = _date(s["opened_on"])
    balance = to_number(s["balance"])
    iban = validators.normalise_iban(s["iban"])
    failures = {
        "unparseable_row": unparseable_rows(raw),
        "missing_required_field": missing_any(s, REQUIRED["accounts"]),
        "malformed_account_id": ~_matches(s["account_id"], r"[A-Za-z0-9_-]{1,64}"),
        "invalid_sort_code": ~validators.sort_code_valid(s["sort_code"]),
        "invalid_account_number": ~validators.account_number_valid(s["account_number"]),
        "invalid_iban_structure": ~validators.iban_structure_valid(iban),
        "invalid_iban_check_digits": ~validators.iban_checksum_valid(iban),
        "iban_account_mismatch": ~validators.gb_iban_matches(
            iban, s["sort_code"], s["account_number"], bank_code
        )
        | ~iban.str.startswith("GB").fillna(False).to_numpy(bool),
        "unknown_product": ~_isin(_text(s["product"]), PRODUCTS),
        "invalid_opened_on": opened.isna().to_numpy()
        | (opened > pd.Timestamp(ds)).fillna(False).to_numpy(bool),
        "balance_not_numeric": _present(s["balance"]) & balance.isna().to_numpy(),
        "unknown_customer": ~_isin(_text(s["customer_id"]), known_customers),
    }
    failures["duplicate_account_id"] = repeats_among_valid(failures, _text(s["account_id"]))
    typed = pd.DataFrame(
        {
            "account_id": _text(s["account_id"]),
            "customer_id": _text(s["customer_id"]),
            "sort_code": _text(s["sort_code"]),
            "account_number": _text(s["account_number"]),
            "iban": iban,
            "product": _text(s["product"]),
            "opened_on": opened.dt.strftime("%Y-%m-%d"),
            "balance": balance,
        }
    )
    return typed, failures


_LOAN_RANGES = {  # column -> (rule, low, high)
    "annual_income": ("invalid_annual_income", 1.0, 10_000_000),
    "loan_amount": ("invalid_loan_amount", 500, 40_000),
    "dti": ("invalid_dti", 0, 100),
    "delinq_2yrs": ("invalid_delinquencies", 0, 50),
    "credit_history_years": ("invalid_credit_history", 0, 80),
    "revol_util": ("invalid_revol_util", 0, 200),
}


def check_loans(
    raw: pd.DataFrame, ds: str, known_customers: pd.Index
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    s = raw_columns(raw, RAW_COLUMNS["loans"])
    numbers = {c: to_number(s[c]) for c in _LOAN_RANGES}
    default = _text(s["default"])
    applied = _date(s["application_date"])
    failures: dict[str, np.ndarray] = {
        "unparseable_row": unparseable_rows(raw),
        "missing_required_field": missing_any(s, REQUIRED["loans"]),
        "invalid_application_date": applied.isna().to_numpy()
        | (applied > pd.Timestamp(ds)).fillna(False).to_numpy(bool),
    }
    for column, (rule, lo, hi) in _LOAN_RANGES.items():
        failures[rule] = (_present(s[column]) | (column in REQUIRED["loans"])) & ~numbers[column].between(
            lo, hi
        ).to_numpy(bool)
    failures |= {
        "unknown_employment_length": ~_isin(_text(s["employment_length"]), EMPLOYMENT_LENGTHS),
        "unknown_home_ownership": ~_isin(_text(s["home_ownership"]), HOME_OWNERSHIP),
        "unknown_purpose": ~_isin(_text(s["purpose"]), PURPOSES),
        "unknown_term": ~_isin(_text(s["term"]), TERMS),
        "invalid_default_flag": ~_isin(default, ["0", "1"]),
        "unknown_customer": _present(s["customer_id"]) & ~_isin(_text(s["customer_id"]), known_customers),
    }
    failures["duplicate_application_id"] = repeats_among_valid(failures, _text(s["application_id"]))
    typed = pd.DataFrame(
        {
            "application_id": _text(s["application_id"]),
            "customer_id": _text(s["customer_id"]),
            "application_date": applied.dt.strftime("%Y-%m-%d"),
            **{c: numbers[c] for c in _LOAN_RANGES},
            "employment_length": _text(s["employment_length"]),
            "home_ownership": _text(s["home_ownership"]),
            "purpose": _text(s["purpose"]),
            "term": _text(s["term"]),
            "default": to_number(default),
        }
    )
    return typed, failures


def dimension(rule: str) -> str:
    """The data-quality dimension a rule's failures count against."""
    return "uniqueness" if rule.startswith("duplicate_") else _DIMENSION_OF.get(rule, "validity")


def dq_scores(entity: str, rows: int, failures: dict[str, np.ndarray], ds: str) -> pd.DataFrame:
    """Per dimension, the share of the entity's raw rows that broke none of its rules."""
    out = []
    for dim in DIMENSIONS:
        masks = [m for rule, m in failures.items() if dimension(rule) == dim]
        failed = int(np.logical_or.reduce(masks).sum()) if masks and rows else 0
        out.append({"ds": ds, "entity": entity, "dimension": dim, "rows": rows, "failed": failed,
                    "score": 1.0 - failed / rows if rows else 1.0})  # fmt: skip
    return pd.DataFrame(out)


def _master_data(ctx: StageContext) -> tuple[pd.Index, pd.Series]:
    """Customers and accounts (account -> owner) loaded before this date: referential integrity."""
    wh, before = ctx.warehouse, {"ds": ctx.ds}
    customers = wh.read_table(CUSTOMERS, ["customer_id"], where="ds < :ds", params=before)
    accounts = wh.read_table(ACCOUNTS, ["account_id", "customer_id", "ds"], where="ds < :ds", params=before)
    owner = accounts.sort_values("ds").drop_duplicates("account_id", keep="last").set_index("account_id")
    return pd.Index(customers["customer_id"].unique()), owner["customer_id"]


def _history(ctx: StageContext) -> pd.DataFrame:
    """Yesterday's transactions: the start of today's 24-hour AML windows."""
    return etl.read_earlier(ctx, TRANSACTIONS, "silver", ctx.day - timedelta(days=1), aml.HISTORY_COLUMNS)


def _quarantine(
    raw: pa.Table, split: RowSplit, entity: str, ctx: StageContext, checksum: str
) -> pd.DataFrame:
    """The entity's rejected rows as they arrived; only those rows leave Arrow."""
    bad = np.flatnonzero(~split.valid)
    rows = RowSplit(
        np.zeros(len(bad), dtype=bool),
        split.rule.iloc[bad].reset_index(drop=True),
        split.failed_rules.iloc[bad].reset_index(drop=True),
    )
    q = quarantine_frame(
        raw.take(pa.array(bad, type=pa.int64())).to_pandas(), rows, ctx.ds, ctx.run_id, checksum
    )
    q["row_number"] = bad.astype("int64")
    # One quarantine table for four entities: the rule names which entity the row came from.
    q["rule"] = entity + "." + q["rule"].astype(str)
    q["failed_rules"] = (
        q["failed_rules"].astype(str).str.split(",").map(lambda rs: ",".join(f"{entity}.{r}" for r in rs))
    )
    return q


def build_gold(
    tx: pd.DataFrame, alerts: pd.DataFrame, ds: str, quarantined: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(tx)
    debit = tx["direction"] == "debit"
    suspicious = int((tx["aml_rules"] != "").sum())
    daily = pd.DataFrame(
        [
            {
                "ds": ds,
                "transactions": n,
                "value_gbp": round(float(tx["amount_gbp"].sum()), 2),
                "credits_gbp": round(float(tx.loc[~debit, "amount_gbp"].sum()), 2),
                "debits_gbp": round(float(tx.loc[debit, "amount_gbp"].sum()), 2),
                "avg_value_gbp": float(tx["amount_gbp"].mean()) if n else 0.0,
                "accounts_active": int(tx["account_id"].nunique()),
                "customers_active": int(tx["customer_id"].nunique()),
                "suspicious_transactions": suspicious,
                "suspicious_activity_rate": suspicious / n if n else 0.0,
                "aml_alerts": len(alerts),
                "quarantined": quarantined,
                "quarantine_share": quarantined / max(n + quarantined, 1),
            }
        ]
    )
    by = (
        tx.groupby(["channel", "currency", "direction"], observed=True)
        .agg(transactions=("amount", "size"), value=("amount", "sum"), value_gbp=("amount_gbp", "sum"))
        .reset_index()
        .assign(ds=ds)
    )
    return daily, by[list(GOLD_CHANNEL.columns)]


def transform(ctx: StageContext) -> dict[str, Any]:
    """Every bronze row of every entity ends in silver or in quarantine with its rule; each entity's batch
    must pass its suite; AML features, alerts, KPIs and quality scores come from the clean rows."""
    bank = get_banking_settings()
    th = aml.Thresholds.from_settings(bank)
    parts = bronze_parts(ctx)
    pool = ThreadPoolExecutor(max_workers=2)
    # The warehouse reads wait on the database: read bronze and check rows meanwhile.
    master = pool.submit(_master_data, ctx)
    history = pool.submit(_history, ctx)
    pool.shutdown(wait=False)
    raw = {e: read_bronze(p) for e, p in parts.items()}
    frames = {e: raw[e].to_pandas() for e in ENTITIES if e != "transactions"}  # small: pandas is fine
    known_customers, owner = master.result()
    typed, failures, splits = {}, {}, {}

    def check(entity: str, result: tuple[pd.DataFrame, dict[str, np.ndarray]]) -> None:
        typed[entity], failures[entity] = result
        splits[entity] = split_rows(raw[entity].num_rows, failures[entity])

    check("customers", check_customers(frames["customers"], ctx.ds))
    today_customers = typed["customers"].loc[splits["customers"].valid, "customer_id"]
    known_customers = known_customers.append(pd.Index(today_customers))
    check("accounts", check_accounts(frames["accounts"], ctx.ds, known_customers, bank.bank_code))
    new_accounts = typed["accounts"].loc[splits["accounts"].valid].set_index("account_id")["customer_id"]
    owner = pd.concat([owner[~owner.index.isin(new_accounts.index)], new_accounts])
    check(
        "transactions",
        transactions.check(raw["transactions"], ctx.ds, pa.array(owner.index, type=pa.string())),
    )
    check("loans", check_loans(frames["loans"], ctx.ds, known_customers))

    silver = _silver_frames(typed, splits, parts, owner, history.result(), th, ctx.ds)
    hits = silver.pop("hits")
    # The database ingests the day's transactions on the other core while the batches are checked and
    # handed off; a failed check drops the staged rows.
    with etl.Staging(ctx, {"silver": (TRANSACTIONS, silver["transactions"])}) as staged:
        tx = silver["transactions"] = silver["transactions"].to_pandas()
        alerts = aml.alerts(tx, hits, ctx.ds, th)
        quarantine = pd.concat(
            [_quarantine(raw[e], splits[e], e, ctx, parts[e].checksum) for e in ENTITIES], ignore_index=True
        )
        reports = {}
        for entity in ENTITIES:
            n = raw[entity].num_rows
            reports[entity] = etl.check_batch(
                ctx,
                silver[entity],
                expectations(entity, ctx.spec.quality.min_rows if entity == "transactions" else 0),
                splits[entity],
                n,
                suite=f"banking_silver_{entity}",
                max_quarantine_share=None if n >= SMALL_BATCH else SMALL_BATCH_MAX_SHARE,
            )
        daily, by_channel = build_gold(tx, alerts, ctx.ds, splits["transactions"].n_quarantined)
        dq = pd.concat(
            [dq_scores(e, raw[e].num_rows, failures[e], ctx.ds) for e in ENTITIES], ignore_index=True
        )
        entities = {
            e: {"bronze": raw[e].num_rows, "silver": len(silver[e]), "quarantined": splits[e].n_quarantined}
            for e in ENTITIES
        }
        ctx.progress("banking transform", entities=entities, alerts=len(alerts))
        return etl.handoff(
            ctx,
            parts["transactions"],
            splits["transactions"],
            reports["transactions"],
            {
                "silver": tx,
                "silver_accounts": silver["accounts"],
                "silver_customers": silver["customers"],
                "silver_loans": silver["loans"],
                "quarantine": quarantine,
                "gold_daily": daily,
                "gold_channel": by_channel,
                "gold_dq": dq,
                "aml_alerts": alerts,
            },
            staged=staged,
            bronze_rows=sum(p["bronze"] for p in entities.values()),
            quarantine_by_rule={f"{e}.{r}": n for e in ENTITIES for r, n in splits[e].counts.items()},
            entities=entities,
            checksums={e: p.checksum for e, p in parts.items()},
            aml_alerts=len(alerts),
            suspicious_transactions=int(daily["suspicious_transactions"].iloc[0]),
        )


def _silver_frames(
    typed: dict[str, pd.DataFrame],
    splits: dict[str, RowSplit],
    parts: dict[str, BronzePartition],
    owner: pd.Series,
    history: pd.DataFrame,
    th: aml.Thresholds,
    ds: str,
) -> dict[str, Any]:
    def clean(entity: str) -> pd.DataFrame:
        return (
            typed[entity]
            .loc[splits[entity].valid]
            .reset_index(drop=True)
            .assign(ds=ds, source_checksum=parts[entity].checksum)
        )

    customers = clean("customers").assign(erased_at=pd.NaT)
    accounts = clean("accounts")
    loans = clean("loans")
    derived = loan_features(loans)
    loans = pd.concat(
        [loans, derived.drop(columns=[c for c in derived.columns if c in loans.columns])], axis=1
    )
    loans["default"] = loans["default"].astype("int64")
    loans["delinq_2yrs"] = loans["delinq_2yrs"].fillna(0).astype("int64")
    tx, hits = transactions.build(
        typed["transactions"],
        splits["transactions"].valid,
        owner,
        history,
        th,
        ds,
        parts["transactions"].checksum,
    )
    return {
        "transactions": tx,
        "hits": hits,
        "accounts": accounts[list(ACCOUNTS.columns)],
        "customers": customers[list(CUSTOMERS.columns)],
        "loans": loans[list(LOANS.columns)],
    }


# ------------------------------------------------------------------------------- load
LOADED = {
    "silver": TRANSACTIONS,
    "silver_accounts": ACCOUNTS,
    "silver_customers": CUSTOMERS,
    "silver_loans": LOANS,
    "quarantine": QUARANTINE,
    "gold_daily": GOLD_DAILY,
    "gold_channel": GOLD_CHANNEL,
    "gold_dq": GOLD_DQ,
    "aml_alerts": ALERTS,
}


def load(ctx: StageContext) -> dict[str, Any]:
    """Replace the date in every silver, gold and quarantine table with its audit row, atomically; then
    apply the retention policy (its own audited step)."""
    if "transform" not in ctx.upstream:  # run alone from the CLI: reconcile against every entity's bronze
        parts = bronze_parts(ctx)
        ctx.upstream["transform"] = {
            **etl.transform_result(ctx, list(LOADED)),
            "bronze_rows": sum(p.rows for p in parts.values()),
            "checksums": {e: p.checksum for e, p in parts.items()},
        }
    checksums = ctx.upstream["transform"].get("checksums", {})
    result = etl.load_partition(
        ctx, LOADED, list(SILVER.values()), QUARANTINE, details={"source_checksums": checksums}
    )
    purged = compliance.purge(ctx, get_banking_settings().retention_years)
    return {**result, "purged": purged}
