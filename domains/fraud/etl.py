"""Fraud extract → transform → load: bronze Parquet, validated pseudonymised silver, gold KPIs."""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl
from domains.core.bronze import read_bronze
from domains.core.fixed_text import is_digits, is_hex, to_timestamp
from domains.core.pipeline import StageContext
from domains.core.privacy import pseudonymise
from domains.core.quality import (
    in_row_blocks,
    missing_any,
    quarantine_frame,
    raw_columns,
    repeats_among_valid,
    split_rows,
    to_number,
    unparseable_rows,
)
from domains.fraud import features
from domains.fraud.schema import (
    CATEGORIES,
    GOLD_CATEGORY,
    GOLD_DAILY,
    QUARANTINE,
    RAW_COLUMNS,
    REQUIRED_COLUMNS,
    SILVER,
    silver_expectations,
)
from domains.fraud.source import generate_day, read_file_source


# ---------------------------------------------------------------------------- extract
def extract(ctx: StageContext) -> dict[str, Any]:
    """Read the day's source and write it, untouched, to bronze with its checksum."""
    if ctx.source.source == "synthetic":
        raw = generate_day(ctx.ds, ctx.source.rows_per_day, ctx.source.dirty_share)
    else:
        raw = read_file_source(ctx.source.source, ctx.ds)
    return etl.to_bronze(ctx, raw, "raw rows")


# -------------------------------------------------------------------------- transform
def parse_and_check(
    raw: pd.DataFrame, ds: str, pool: Executor | None = None
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Typed columns and, per rule in priority order, the mask of rows breaking it; with a `pool`, the
    row-local rules run on two halves at once (see `quality.in_row_blocks`)."""
    typed, failures = in_row_blocks(_parse_rows, raw, pool)
    # Duplicates: a transaction id seen earlier among otherwise valid rows is a re-send.
    failures["duplicate_trans_num"] = repeats_among_valid(failures, typed["trans_num"])
    return typed, failures


def _parse_rows(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The rules that look at one row at a time."""
    s = raw_columns(raw, RAW_COLUMNS)
    ts = to_timestamp(s["trans_date_trans_time"], "%Y-%m-%d %H:%M:%S")
    amt = to_number(s["amt"])
    coords = {c: to_number(s[c]) for c in ("lat", "long", "merch_lat", "merch_long")}
    dob = to_timestamp(s["dob"], "%Y-%m-%d")
    city_pop = to_number(s["city_pop"])
    unix_time = to_number(s["unix_time"])
    label = s["is_fraud"].astype("str").str.strip()
    trans_num = s["trans_num"].astype("str").str.strip().str.lower()

    lat_ok = coords["lat"].between(-90, 90) & coords["merch_lat"].between(-90, 90)
    long_ok = coords["long"].between(-180, 180) & coords["merch_long"].between(-180, 180)
    failures: dict[str, np.ndarray] = {
        "unparseable_row": unparseable_rows(raw),
        "missing_required_field": missing_any(s, REQUIRED_COLUMNS),
        "invalid_timestamp": ts.isna().to_numpy(),
        "amount_not_numeric": amt.isna().to_numpy(),
        "amount_out_of_range": ~amt.between(0.01, 100_000).to_numpy(),
        "invalid_card_number": ~is_digits(s["cc_num"], 12, 19),
        "invalid_coordinates": ~(lat_ok & long_ok).to_numpy(),
        "invalid_label": ~label.isin(["0", "1"]).to_numpy(),
        "malformed_trans_num": ~is_hex(trans_num, 32),
        "unknown_category": ~s["category"].isin(CATEGORIES).to_numpy(),
        "invalid_dob": (s["dob"].notna() & dob.isna()).to_numpy() | (dob > ts).fillna(False).to_numpy(bool),
    }

    typed = pd.DataFrame(
        {
            "trans_ts": ts,
            "amt": amt,
            **coords,
            "dob": dob,
            "city_pop": city_pop,
            "unix_time": unix_time,
            "is_fraud": to_number(label),
            "trans_num": trans_num,
        }
    )
    return typed, failures


def _history(ctx: StageContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earlier partitions: card activity for velocity/z-scores, category fraud rates for risk."""
    wh, day = ctx.warehouse, ctx.day
    first = day - timedelta(days=ctx.source.history_days)
    cards = etl.read_earlier(ctx, SILVER, "silver", first, ["card_id", "trans_ts", "amt", "category"])
    risk = wh.read_table(
        GOLD_CATEGORY,
        ["category", "transactions", "fraud_transactions"],
        where="ds >= :lo AND ds < :ds",
        params={"lo": (day - timedelta(days=60)).isoformat(), "ds": ctx.ds},
    )
    return cards, risk


def card_pseudonyms(raw: pd.DataFrame, secret: str) -> pd.Series:
    """Every raw row's card number as its keyed pseudonym (silver's card_id), aligned with `raw`;
    missing where the number is (a source without the column: all of them, and all are quarantined)."""
    return pseudonymise(raw_columns(raw, ["cc_num"])["cc_num"].astype("str").str.strip(), secret)


# Silver is built and staged in this many groups of cards: the database ingests each group while the
# next one's features are computed (ADR 0014: at 500k rows, faster than 1 group in 3 of 5 pairs).
CARD_GROUPS = 4


def build_silver(
    raw: pd.DataFrame,
    typed: pd.DataFrame,
    rows: np.ndarray,
    ctx: StageContext,
    checksum: str,
    card_ids: pd.Series,
    history: tuple[pd.DataFrame, pd.DataFrame],
) -> pd.DataFrame:
    """The raw rows at positions `rows` (clean ones), personal data dropped or pseudonymised, with their
    model features.

    `card_ids` are `card_pseudonyms(raw, ...)`; `history` is `_history(ctx)`, of which the card
    activity may be only that of the cards in `rows` (see `features.card_groups`)."""
    # Take only the raw columns silver keeps: taking 20+ text columns row by row is the cost here.
    kept = ["merchant", "category", "gender", "city", "state", "zip", "job"]
    taken = raw[kept].take(rows).reset_index(drop=True)
    t = typed.take(rows).reset_index(drop=True)
    silver = pd.DataFrame(
        {
            "ds": ctx.ds,
            "trans_num": t["trans_num"],
            "card_id": card_ids.take(rows).reset_index(drop=True),
            "trans_ts": t["trans_ts"],
            "unix_time": t["unix_time"]
            .fillna((t["trans_ts"] - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1))
            .astype("int64"),
            "merchant": taken["merchant"],
            "category": taken["category"],
            "amt": t["amt"].astype(float),
            "gender": taken["gender"],
            "city": taken["city"],
            "state": taken["state"],
            "zip": taken["zip"],
            "lat": t["lat"],
            "long": t["long"],
            "city_pop": t["city_pop"].fillna(0).astype("int64"),
            "job": taken["job"],
            "merch_lat": t["merch_lat"],
            "merch_long": t["merch_long"],
            "is_fraud": t["is_fraud"].astype("int64"),
            "age": ((t["trans_ts"] - t["dob"]).dt.days / 365.25).astype(float),
        }
    )
    cards, prior_risk = history
    card = features.card_features(silver, cards)
    hour, night = features.time_features(silver["trans_ts"])
    silver = silver.assign(
        amt_log=np.log1p(silver["amt"]),
        amt_zscore_card=card["amt_zscore_card"].to_numpy(),
        card_history_n=card["card_history_n"].to_numpy(),
        hour=hour,
        is_night=night,
        vel_count_1h=card["vel_count_1h"].to_numpy(),
        vel_amount_1h=card["vel_amount_1h"].to_numpy(),
        vel_count_24h=card["vel_count_24h"].to_numpy(),
        vel_amount_24h=card["vel_amount_24h"].to_numpy(),
        distance_km=features.haversine_km(
            silver["lat"].to_numpy(),
            silver["long"].to_numpy(),
            silver["merch_lat"].to_numpy(),
            silver["merch_long"].to_numpy(),
        ),
        category_risk=features.category_risk(silver["category"], prior_risk),
        cat_share_card=card["cat_share_card"].to_numpy(),
        city_pop_log=np.log1p(silver["city_pop"].astype(float)),
        gender_m=(silver["gender"].astype("str").str.upper() == "M").astype("int64"),
        source_checksum=checksum,
    )
    return silver[list(SILVER.columns)]


def build_gold(silver: pd.DataFrame, ds: str, quarantined: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(silver)
    fraud = silver["is_fraud"] == 1
    daily = pd.DataFrame(
        [
            {
                "ds": ds,
                "transactions": n,
                "fraud_transactions": int(fraud.sum()),
                "fraud_rate": float(fraud.mean()) if n else 0.0,
                "amount_total": float(silver["amt"].sum()),
                "amount_fraud": float(silver.loc[fraud, "amt"].sum()),
                "avg_amount": float(silver["amt"].mean()) if n else 0.0,
                "cards_active": int(silver["card_id"].nunique()),
                "quarantined": quarantined,
                "quarantine_share": quarantined / max(n + quarantined, 1),
            }
        ]
    )
    by_cat = (
        silver.groupby("category", observed=True)
        .agg(
            transactions=("amt", "size"), fraud_transactions=("is_fraud", "sum"), amount_total=("amt", "sum")
        )
        .reset_index()
    )
    by_cat["fraud_rate"] = by_cat["fraud_transactions"] / by_cat["transactions"]
    by_cat["ds"] = ds
    return daily, by_cat[list(GOLD_CATEGORY.columns)]


def transform(ctx: StageContext) -> dict[str, Any]:
    """Every bronze row ends in silver or in quarantine with its rule; the batch must pass its suite."""
    part = etl.bronze_for(ctx)
    secret = ctx.settings.pseudonym_secret.get_secret_value()
    with ThreadPoolExecutor(max_workers=2) as background, ThreadPoolExecutor(max_workers=1) as halves:
        # The read of earlier days waits on the database or the disk, and hashing card numbers is
        # Python-bound: both run while the parse, mostly Arrow kernels that release the GIL, runs here
        # and on the other core.
        history = background.submit(_history, ctx)
        raw = read_bronze(part).to_pandas()
        card_ids = background.submit(card_pseudonyms, raw, secret)
        typed, failures = parse_and_check(raw, ctx.ds, halves)
        split = split_rows(len(raw), failures)
        quarantine = quarantine_frame(raw, split, ctx.ds, ctx.run_id, part.checksum)
        card_ids, (cards, prior_risk) = card_ids.result(), history.result()
    row_group = features.card_groups(card_ids, CARD_GROUPS)
    card_group = features.card_groups(cards["card_id"], CARD_GROUPS)
    # The database ingests each group of cards' silver on the other core while the next group is
    # built, and the last while the batch is checked and handed off; a failed check drops the
    # staged rows.
    with etl.Staging(ctx) as staged, etl.EarlyHandoff(ctx, part) as early:
        parts = []
        for group in range(CARD_GROUPS):
            rows = np.flatnonzero(split.valid & (row_group == group))
            history = (cards.take(np.flatnonzero(card_group == group)), prior_risk)
            parts.append(build_silver(raw, typed, rows, ctx, part.checksum, card_ids, history))
            staged.feed("silver", SILVER, parts[-1])
        silver = pd.concat(parts, ignore_index=True)
        # Silver's Parquet is encoded on the core the COPY leaves idle while the batch is checked.
        early.write("silver", silver)
        report = etl.check_batch(ctx, silver, silver_expectations(ctx.spec.quality.min_rows), split, len(raw))
        daily, by_cat = build_gold(silver, ctx.ds, len(quarantine))
        return etl.handoff(
            ctx,
            part,
            split,
            report,
            {"silver": None, "quarantine": quarantine, "gold_daily": daily, "gold_category": by_cat},
            staged=staged,
            early=early,
        )


# ------------------------------------------------------------------------------- load
LOADED = {
    "silver": SILVER,
    "quarantine": QUARANTINE,
    "gold_daily": GOLD_DAILY,
    "gold_category": GOLD_CATEGORY,
}


def load(ctx: StageContext) -> dict[str, Any]:
    """Replace the date's partition in silver, gold and quarantine, with its audit row, atomically."""
    return etl.load_partition(ctx, LOADED, SILVER, QUARANTINE)


def silver_window(ctx: StageContext, days: int, columns: list[str] | None = None) -> pd.DataFrame:
    """Silver rows of the `days` days ending at the run's date (what train and monitoring read)."""
    return etl.window(ctx, SILVER, days, columns)
