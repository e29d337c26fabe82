"""E-commerce extract → transform → load: order lines to bronze, matched cancellations, revenue, RFM."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl
from domains.core.bronze import read_bronze
from domains.core.fixed_text import to_timestamp
from domains.core.pipeline import StageContext
from domains.core.quality import (
    missing_any,
    quarantine_frame,
    raw_columns,
    repeats_among_valid,
    split_rows,
    unparseable_rows,
)
from domains.core.warehouse import in_clause
from domains.ecommerce import monitoring_rules, rfm
from domains.ecommerce.schema import (
    GOLD_ALERTS,
    GOLD_COUNTRY,
    GOLD_CUSTOMER_DAILY,
    GOLD_DAILY,
    GOLD_RFM,
    GOLD_SEGMENTS,
    INVOICE_PATTERN,
    QUARANTINE,
    RAW_COLUMNS,
    REQUIRED_COLUMNS,
    SILVER,
    STOCK_CODE_PATTERN,
    silver_expectations,
)
from domains.ecommerce.source import generate_day, read_file_source

RETURN_WINDOW_DAYS = 30  # a cancellation must match a purchase of the same item this recently
_CUSTOMER = r"^\d+(\.0+)?$"  # the public export writes ids as floats: "12346.0"


# ---------------------------------------------------------------------------- extract
def extract(ctx: StageContext) -> dict[str, Any]:
    """Read the day's order lines and write them, untouched, to bronze with their checksum."""
    if ctx.source.source == "synthetic":
        raw = generate_day(ctx.ds, dirty_share=ctx.source.dirty_share)
    else:
        raw = read_file_source(ctx.source.source, ctx.ds)
    return etl.to_bronze(ctx, raw, "raw order lines")


# -------------------------------------------------------------------------- transform
def parse_and_check(raw: pd.DataFrame, ds: str) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Typed columns and, per rule in priority order, the mask of rows breaking it (before matching)."""
    s = raw_columns(raw, RAW_COLUMNS)
    text = {c: s[c].astype("str").str.strip() for c in RAW_COLUMNS}
    qty = pd.to_numeric(text["Quantity"], errors="coerce")
    price = pd.to_numeric(text["Price"], errors="coerce")
    ts = to_timestamp(text["InvoiceDate"], "%Y-%m-%d %H:%M:%S")
    invoice = text["Invoice"]
    cancel = invoice.str.startswith("C").fillna(False).to_numpy(bool)
    customer = text["Customer ID"].where(s["Customer ID"].notna() & (text["Customer ID"] != ""))
    failures: dict[str, np.ndarray] = {
        "unparseable_row": unparseable_rows(raw),
        "missing_required_field": missing_any(s, REQUIRED_COLUMNS),
        "malformed_invoice": ~invoice.str.fullmatch(INVOICE_PATTERN).fillna(False).to_numpy(bool),
        "malformed_stock_code": ~text["StockCode"]
        .str.fullmatch(STOCK_CODE_PATTERN)
        .fillna(False)
        .to_numpy(bool),
        "invalid_quantity": ~((qty == qty.round()) & (qty != 0)).to_numpy(bool),
        "invalid_price": price.isna().to_numpy(),
        "non_positive_price": (price <= 0).fillna(False).to_numpy(bool),
        "invalid_date": ts.isna().to_numpy(),
        "date_outside_partition": (ts.dt.strftime("%Y-%m-%d") != ds).to_numpy(bool) & ts.notna().to_numpy(),
        "malformed_customer_id": (
            customer.notna() & ~customer.str.fullmatch(_CUSTOMER).fillna(False)
        ).to_numpy(),
        # A sale with a negative quantity, or a cancellation with a positive one, is a broken line.
        "quantity_sign_mismatch": np.where(cancel, (qty > 0).to_numpy(bool), (qty < 0).to_numpy(bool)),
    }
    failures["duplicate_line"] = repeats_among_valid(failures, pd.DataFrame(s))
    typed = pd.DataFrame(
        {
            "invoice": invoice,
            "stock_code": text["StockCode"].str.upper(),
            "description": s["Description"].astype("str").str.strip(),
            "quantity": qty,
            "invoice_ts": ts,
            "price": price,
            "customer_id": customer.str.replace(r"\.0+$", "", regex=True),
            "country": text["Country"],
            "is_cancellation": cancel,
        }
    )
    return typed, failures


def unmatched_cancellations(typed: pd.DataFrame, ok: np.ndarray, earlier: pd.DataFrame) -> np.ndarray:
    """Cancellation lines with no purchase to cancel: guest, or more than the customer bought of the item.

    A purchase counts if it is in the day's valid lines or in the last RETURN_WINDOW_DAYS of silver;
    several cancellations of one item are matched in time order against the quantity bought.
    """
    cancel = ok & typed["is_cancellation"].to_numpy()
    out = np.zeros(len(typed), dtype=bool)
    if not cancel.any():
        return out
    sales = typed.loc[ok & ~typed["is_cancellation"].to_numpy(), ["customer_id", "stock_code", "quantity"]]
    bought = (
        pd.concat([sales, earlier[["customer_id", "stock_code", "quantity"]]])
        .groupby(["customer_id", "stock_code"])["quantity"]
        .sum()
    )
    c = typed.loc[cancel, ["customer_id", "stock_code", "quantity", "invoice_ts"]].sort_values(
        "invoice_ts", kind="stable"
    )
    cumulative = (-c["quantity"]).groupby([c["customer_id"], c["stock_code"]]).cumsum()
    available = pd.Series(
        bought.reindex(pd.MultiIndex.from_frame(c[["customer_id", "stock_code"]])).to_numpy(), index=c.index
    )
    bad = c["customer_id"].isna() | available.isna() | (cumulative > available)
    out[bad.index[bad.to_numpy()].to_numpy()] = True
    return out


def _earlier_sales(ctx: StageContext, customers: list[str]) -> pd.DataFrame:
    lo = (ctx.day - timedelta(days=RETURN_WINDOW_DAYS)).isoformat()
    clause, params = in_clause("customer_id", customers, "c")
    return ctx.warehouse.read_table(
        SILVER,
        ["customer_id", "stock_code", "quantity"],
        where=f"ds >= :lo AND ds < :ds AND is_cancellation = :no AND {clause}",
        params={"lo": lo, "ds": ctx.ds, "no": False, **params},
    )


def build_silver(typed: pd.DataFrame, valid: np.ndarray, ds: str, checksum: str) -> pd.DataFrame:
    t = typed.loc[valid].reset_index(drop=True)
    quantity = t["quantity"].astype(np.int64)
    return pd.DataFrame(
        {
            "ds": ds,
            "invoice": t["invoice"],
            "stock_code": t["stock_code"],
            "description": t["description"],
            "quantity": quantity,
            "invoice_ts": t["invoice_ts"],
            "price": t["price"].astype(float),
            "line_amount": (quantity * t["price"]).round(2).astype(float),
            "customer_id": t["customer_id"],
            "country": t["country"],
            "is_cancellation": t["is_cancellation"].astype(bool),
            "is_guest": t["customer_id"].isna(),
            "source_checksum": checksum,
        }
    )[list(SILVER.columns)]


def customer_daily(silver: pd.DataFrame, ds: str) -> pd.DataFrame:
    """Per identified customer: orders, items, gross sales, returns and net revenue of the day."""
    known = silver.loc[~silver["is_guest"]]
    sale = ~known["is_cancellation"]
    f = known.assign(
        sale_invoice=known["invoice"].where(sale),
        items=np.where(sale, known["quantity"], 0),
        gross=np.where(sale, known["line_amount"], 0.0),
        ret=np.where(sale, 0.0, -known["line_amount"]),
    )
    g = f.groupby("customer_id", sort=True).agg(
        country=("country", "first"),
        orders=("sale_invoice", "nunique"),
        items=("items", "sum"),
        revenue_gross=("gross", "sum"),
        returns=("ret", "sum"),
    )
    g["revenue_net"] = g["revenue_gross"] - g["returns"]
    return g.reset_index().assign(ds=ds)[list(GOLD_CUSTOMER_DAILY.columns)]


def build_gold(ctx: StageContext, silver: pd.DataFrame, quarantined: int) -> dict[str, pd.DataFrame]:
    """Customer-day aggregates, headline KPIs, revenue by country, the RFM snapshot and segment mix."""
    today = customer_daily(silver, ctx.ds)
    history = etl.window(
        ctx,
        GOLD_CUSTOMER_DAILY,
        rfm.LOOKBACK_DAYS - 1,
        list(GOLD_CUSTOMER_DAILY.columns),
        include_today=False,
    )
    seen_before = set(history.loc[history["orders"] > 0, "customer_id"])
    buyers = today.loc[today["orders"] > 0, "customer_id"]
    sale = ~silver["is_cancellation"]
    gross = float(silver.loc[sale, "line_amount"].sum())
    returns = float(-silver.loc[~sale, "line_amount"].sum())
    orders = int(silver.loc[sale, "invoice"].nunique())
    guest = silver["is_guest"] & sale
    n = len(silver)
    daily = pd.DataFrame(
        [
            {
                "ds": ctx.ds,
                "orders": orders,
                "cancellations": int(silver.loc[~sale, "invoice"].nunique()),
                "revenue_gross": gross,
                "returns": returns,
                "revenue_net": gross - returns,
                "avg_order_value": gross / orders if orders else 0.0,
                "customers": len(buyers),
                "new_customers": int((~buyers.isin(seen_before)).sum()),
                "repeat_purchase_rate": float(buyers.isin(seen_before).mean()) if len(buyers) else 0.0,
                "guest_orders": int(silver.loc[guest, "invoice"].nunique()),
                "guest_revenue": float(silver.loc[guest, "line_amount"].sum()),
                "quarantined": quarantined,
                "quarantine_share": quarantined / max(n + quarantined, 1),
            }
        ]
    )
    by_country = (
        silver.assign(sale_invoice=silver["invoice"].where(sale), buyer=silver["customer_id"].where(sale))
        .groupby("country", sort=True)
        .agg(
            orders=("sale_invoice", "nunique"),
            customers=("buyer", "nunique"),
            revenue_net=("line_amount", "sum"),
        )
        .reset_index()
        .assign(ds=ctx.ds)
    )
    snapshot = rfm.rfm_table(rfm.customer_features(pd.concat([history, today]), ctx.ds), ctx.ds)
    segments = monitoring_rules.segment_mix(snapshot, ctx.ds)
    alerts = monitoring_rules.alerts(ctx, daily, segments)
    return {
        "gold_customer_daily": today,
        "gold_daily": daily[list(GOLD_DAILY.columns)],
        "gold_country": by_country[list(GOLD_COUNTRY.columns)],
        "gold_rfm": snapshot[list(GOLD_RFM.columns)],
        "gold_segments": segments[list(GOLD_SEGMENTS.columns)],
        "gold_alerts": alerts.reindex(columns=list(GOLD_ALERTS.columns)),
    }


def transform(ctx: StageContext) -> dict[str, Any]:
    """Every bronze line ends in silver or in quarantine with its rule; the batch must pass its suite."""
    part = etl.bronze_for(ctx)
    raw = read_bronze(part).to_pandas()
    typed, failures = parse_and_check(raw, ctx.ds)
    ok = ~np.logical_or.reduce(list(failures.values()))
    cancelling = typed.loc[ok & typed["is_cancellation"].to_numpy(), "customer_id"].dropna().unique().tolist()
    failures["unmatched_cancellation"] = unmatched_cancellations(typed, ok, _earlier_sales(ctx, cancelling))
    split = split_rows(len(raw), failures)
    quarantine = quarantine_frame(raw, split, ctx.ds, ctx.run_id, part.checksum)
    silver = build_silver(typed, split.valid, ctx.ds, part.checksum)
    report = etl.check_batch(ctx, silver, silver_expectations(ctx.spec.quality.min_rows), split, len(raw))
    gold = build_gold(ctx, silver, len(quarantine))
    if len(gold["gold_alerts"]):
        ctx.progress(f"{len(gold['gold_alerts'])} alerts", metrics=gold["gold_alerts"]["metric"].tolist())
    return etl.handoff(
        ctx,
        part,
        split,
        report,
        {"silver": silver, "quarantine": quarantine, **gold},
        customers_scored=len(gold["gold_rfm"]),
        alerts=len(gold["gold_alerts"]),
    )


# ------------------------------------------------------------------------------- load
LOADED = {
    "silver": SILVER,
    "quarantine": QUARANTINE,
    "gold_customer_daily": GOLD_CUSTOMER_DAILY,
    "gold_daily": GOLD_DAILY,
    "gold_country": GOLD_COUNTRY,
    "gold_rfm": GOLD_RFM,
    "gold_segments": GOLD_SEGMENTS,
    "gold_alerts": GOLD_ALERTS,
}


def load(ctx: StageContext) -> dict[str, Any]:
    """Replace the date in silver, gold and quarantine, with its audit row, atomically."""
    return etl.load_partition(ctx, LOADED, SILVER, QUARANTINE)
