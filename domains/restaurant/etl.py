"""Restaurant extract → transform → load: reviews and businesses to bronze, scored silver, trend gold."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from domains.core import etl, text
from domains.core.bronze import BronzePartition, checksum_table, latest_bronze, read_bronze, write_bronze
from domains.core.pipeline import StageContext
from domains.core.quality import (
    missing_any,
    quarantine_frame,
    raw_columns,
    repeats_among_valid,
    split_rows,
    unparseable_rows,
)
from domains.core.sources import RawExtract, SourceError
from domains.restaurant import trends
from domains.restaurant.schema import (
    BUSINESSES,
    GOLD_ALERTS,
    GOLD_BUSINESS,
    GOLD_CITY,
    GOLD_DAILY,
    ID_PATTERN,
    QUARANTINE,
    RAW_COLUMNS,
    REQUIRED_COLUMNS,
    SILVER,
    silver_expectations,
)
from domains.restaurant.source import businesses_table, generate_day, read_businesses, read_file_source

BUSINESSES_LAYER = "bronze_businesses"
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


# ---------------------------------------------------------------------------- extract
def day_slice(table: pa.Table, ds: str) -> pa.Table:
    """The rows of one day from a multi-day export; rows with no readable date stay, to be quarantined."""
    dates = pc.utf8_slice_codeunits(pc.fill_null(table["date"], ""), 0, 10)
    parsed = pc.strptime(dates, format="%Y-%m-%d", unit="s", error_is_null=True)
    keep = pc.or_(pc.equal(dates, ds), pc.is_null(parsed))
    return table.filter(keep)


def _businesses(ctx: StageContext) -> RawExtract:
    path = ctx.source.businesses_source  # RESTAURANT_BUSINESSES_SOURCE, from the environment or .env
    if ctx.source.source == "synthetic" and not path:
        table = businesses_table()
        return RawExtract(table, checksum_table(table), "synthetic:businesses")
    if not path:
        raise SourceError(
            "RESTAURANT_SOURCE is a file, so RESTAURANT_BUSINESSES_SOURCE must name the businesses table "
            "(CSV or Parquet with business_id, name, city, categories)"
        )
    return read_businesses(path)


def extract(ctx: StageContext) -> dict[str, Any]:
    """The day's reviews and the businesses file, untouched, to bronze with their checksums."""
    if ctx.source.source == "synthetic":
        raw = generate_day(ctx.ds, ctx.source.rows_per_day, ctx.source.dirty_share)
    else:
        raw = read_file_source(ctx.source.source, ctx.ds)
        if "{ds}" not in ctx.source.source:  # one export of many days: this run takes its own day
            sliced = day_slice(raw.table, ctx.ds)
            raw = RawExtract(sliced, checksum_table(sliced), f"{raw.source}#ds={ctx.ds}")
    biz = _businesses(ctx)
    part = write_bronze(ctx.data_dir, "restaurant", ctx.ds, raw.table, raw.checksum, raw.source)
    biz_part = write_bronze(
        ctx.data_dir, "restaurant", ctx.ds, biz.table, biz.checksum, biz.source, layer=BUSINESSES_LAYER
    )
    ctx.progress(f"extracted {part.rows} reviews and {biz_part.rows} businesses to bronze", path=part.path)
    return {
        "bronze": part.to_dict(),
        "businesses": biz_part.to_dict(),
        "rows": part.rows,
        "checksum": part.checksum,
    }


# -------------------------------------------------------------------------- transform
def _businesses_for(ctx: StageContext) -> BronzePartition:
    if "extract" in ctx.upstream:
        return BronzePartition(**ctx.upstream["extract"]["businesses"])
    part = latest_bronze(ctx.data_dir, "restaurant", ctx.ds, layer=BUSINESSES_LAYER)
    if part is None:
        raise FileNotFoundError(f"no businesses extract for restaurant ds={ctx.ds}; run extract first")
    return part


def clean_businesses(raw: pd.DataFrame, ds: str) -> pd.DataFrame:
    """One row per well-formed business id (the last one wins when the file repeats an id)."""
    b = raw[["business_id", "name", "city", "categories"]].astype("str")
    b = b.loc[b["business_id"].str.fullmatch(ID_PATTERN).fillna(False)]
    return b.drop_duplicates("business_id", keep="last").assign(ds=ds)[list(BUSINESSES.columns)]


def _count(values: pd.Series) -> pd.Series:
    """Vote counts: blank is 0; anything but a non-negative integer is NaN (and quarantined)."""
    s = values.astype("str").str.strip().fillna("")
    n = pd.to_numeric(s.where(s != "", "0"), errors="coerce")
    return n.where((n >= 0) & (n == n.round()))


def parse_and_check(
    raw: pd.DataFrame, ds: str, known_businesses: pd.Index
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Typed columns and, per rule in priority order, the mask of rows breaking it."""
    s = raw_columns(raw, RAW_COLUMNS)
    ts = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    for fmt in _DATE_FORMATS:
        ts = ts.fillna(pd.to_datetime(s["date"], format=fmt, errors="coerce"))
    stars = pd.to_numeric(s["stars"].astype("str").str.strip(), errors="coerce")
    votes = {c: _count(s[c]) for c in ("useful", "funny", "cool")}
    ids_ok = np.logical_and.reduce(
        [
            s[c].astype("str").str.fullmatch(ID_PATTERN).fillna(False).to_numpy(bool)
            for c in ("review_id", "user_id")
        ]
    )
    failures: dict[str, np.ndarray] = {
        "unparseable_row": unparseable_rows(raw),
        "missing_required_field": missing_any(s, REQUIRED_COLUMNS),
        "malformed_id": ~ids_ok,
        "invalid_stars": ~(stars.between(1, 5) & (stars == stars.round())).to_numpy(bool),
        "invalid_date": ts.isna().to_numpy(),
        "date_outside_partition": (ts.dt.strftime("%Y-%m-%d") != ds).to_numpy(bool) & ts.notna().to_numpy(),
        "invalid_vote_count": np.logical_or.reduce([v.isna().to_numpy() for v in votes.values()]),
        "unknown_business": ~s["business_id"].isin(known_businesses).to_numpy(),
    }
    failures["duplicate_review_id"] = repeats_among_valid(failures, s["review_id"])
    typed = pd.DataFrame({"review_ts": ts, "stars": stars, **votes})
    return typed, failures


def build_silver(
    raw: pd.DataFrame,
    typed: pd.DataFrame,
    valid: np.ndarray,
    businesses: pd.DataFrame,
    ds: str,
    checksum: str,
) -> pd.DataFrame:
    """Clean reviews with their restaurant, star-derived sentiment, model tokens and VADER score."""
    rows = raw.loc[valid, ["review_id", "user_id", "business_id", "text"]].reset_index(drop=True)
    t = typed.loc[valid].reset_index(drop=True)
    stars = t["stars"].astype("int64")
    analysed = text.analyse(rows["text"])
    tokens = analysed.tokens
    compound = np.asarray(analysed.vader_compound, dtype=float)
    biz = businesses.set_index("business_id")
    return pd.DataFrame(
        {
            "ds": ds,
            "review_id": rows["review_id"],
            "user_id": rows["user_id"],
            "business_id": rows["business_id"],
            "business_name": rows["business_id"].map(biz["name"]),
            "city": rows["business_id"].map(biz["city"]),
            "review_ts": t["review_ts"],
            "stars": stars,
            "sentiment": np.select([stars <= 2, stars == 3], ["negative", "neutral"], "positive"),
            "text": analysed.cleaned,
            "tokens": tokens,
            "n_tokens": np.fromiter(
                (0 if not x else x.count(" ") + 1 for x in tokens), np.int64, len(tokens)
            ),
            "has_negation": pd.Series(tokens, dtype="str")
            .str.contains(text.NEGATION_PREFIX, regex=False)
            .astype("int64")
            .to_numpy(),
            "vader_compound": compound,
            "vader_label": [text.vader_label(c) for c in compound],
            "useful": t["useful"].astype("int64"),
            "funny": t["funny"].astype("int64"),
            "cool": t["cool"].astype("int64"),
            "source_checksum": checksum,
        }
    )[list(SILVER.columns)]


def _history(ctx: StageContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = ["ds", "reviews", "stars_sum", "negative_reviews"]
    business = etl.window(
        ctx, GOLD_BUSINESS, trends.HISTORY_DAYS, ["business_id", *cols], include_today=False
    )
    city = etl.window(ctx, GOLD_CITY, 30, ["city", *cols], include_today=False)
    return business, city


def build_gold(ctx: StageContext, silver: pd.DataFrame, quarantined: int) -> dict[str, pd.DataFrame]:
    """Per-restaurant and per-city trends, the day's alerts and its headline numbers."""
    business_history, city_history = _history(ctx)
    business = trends.business_daily(silver, business_history, ctx.ds)
    alerts = trends.alerts(business, business_history, ctx.ds)
    city = trends.city_daily(silver, city_history, ctx.ds)
    n = len(silver)
    daily = pd.DataFrame(
        [
            {
                "ds": ctx.ds,
                "reviews": n,
                "businesses_reviewed": int(silver["business_id"].nunique()),
                "avg_stars": float(silver["stars"].mean()) if n else float("nan"),
                **{
                    f"{c}_share": float((silver["sentiment"] == c).mean()) if n else 0.0
                    for c in ("negative", "neutral", "positive")
                },
                "vader_mean": float(silver["vader_compound"].mean()) if n else float("nan"),
                "alerts": len(alerts),
                "quarantined": quarantined,
                "quarantine_share": quarantined / max(n + quarantined, 1),
            }
        ]
    )
    return {
        "gold_daily": daily[list(GOLD_DAILY.columns)],
        "gold_business": business.assign(ds=ctx.ds)[list(GOLD_BUSINESS.columns)],
        "gold_city": city.assign(ds=ctx.ds)[list(GOLD_CITY.columns)],
        "gold_alerts": alerts.reindex(columns=list(GOLD_ALERTS.columns)),
    }


def transform(ctx: StageContext) -> dict[str, Any]:
    """Every bronze review ends in silver or in quarantine with its rule; the batch must pass its suite."""
    part = etl.bronze_for(ctx)
    raw = read_bronze(part).to_pandas()
    businesses = clean_businesses(read_bronze(_businesses_for(ctx)).to_pandas(), ctx.ds)
    typed, failures = parse_and_check(raw, ctx.ds, pd.Index(businesses["business_id"]))
    split = split_rows(len(raw), failures)
    quarantine = quarantine_frame(raw, split, ctx.ds, ctx.run_id, part.checksum)
    silver = build_silver(raw, typed, split.valid, businesses, ctx.ds, part.checksum)
    report = etl.check_batch(ctx, silver, silver_expectations(ctx.spec.quality.min_rows), split, len(raw))
    gold = build_gold(ctx, silver, len(quarantine))
    alerts = gold["gold_alerts"]
    if len(alerts):
        ctx.progress(f"{len(alerts)} alerts", by_kind=alerts["alert"].value_counts().to_dict())
    return etl.handoff(
        ctx,
        part,
        split,
        report,
        {"silver": silver, "quarantine": quarantine, "businesses": businesses, **gold},
        alerts=len(alerts),
    )


# ------------------------------------------------------------------------------- load
LOADED = {
    "silver": SILVER,
    "quarantine": QUARANTINE,
    "businesses": BUSINESSES,
    "gold_daily": GOLD_DAILY,
    "gold_business": GOLD_BUSINESS,
    "gold_city": GOLD_CITY,
    "gold_alerts": GOLD_ALERTS,
}


def load(ctx: StageContext) -> dict[str, Any]:
    """Replace the date in silver, businesses, gold, alerts and quarantine, with its audit row, atomically."""
    return etl.load_partition(ctx, LOADED, SILVER, QUARANTINE)
