"""HR extract → transform → load: the weekly HRIS snapshot to bronze, anonymised silver with comment
sentiment, k-anonymous gold; quarantined rows lose their names and e-mail addresses too."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl, privacy, text
from domains.core.bronze import read_bronze
from domains.core.pipeline import StageContext
from domains.core.quality import (
    missing_any,
    quarantine_frame,
    raw_columns,
    repeats_among_valid,
    split_rows,
    unparseable_rows,
)
from domains.hr.features import age_band, comment_sentiment, feature_frame
from domains.hr.schema import (
    CATEGORIES,
    GOLD_DEPARTMENT_SENTIMENT,
    GOLD_GROUPS,
    GOLD_WEEKLY,
    INT_RANGES,
    K_ANONYMITY,
    QUARANTINE,
    RAW_COLUMNS,
    RAW_LINE_COLUMN,
    REQUIRED_COLUMNS,
    SILVER,
    silver_expectations,
    snake,
)
from domains.hr.source import generate_day, read_file_source

EMPLOYEE_NAMESPACE = "hr.employee"
_INT = r"^\s*-?\d{1,7}\s*$"


# ---------------------------------------------------------------------------- extract
def extract(ctx: StageContext) -> dict[str, Any]:
    """The week's HRIS snapshot, untouched (names and e-mails included), to the access-controlled bronze."""
    if ctx.source.source == "synthetic":
        raw = generate_day(ctx.ds, ctx.source.rows_per_day, ctx.source.dirty_share)
    else:
        raw = read_file_source(ctx.source.source, ctx.ds)
    return etl.to_bronze(ctx, raw, "employee rows")


# ------------------------------------------------------------------------ anonymisation
def known_names(raw: pd.DataFrame) -> set[str]:
    """Every first and last name on the roster: what redaction removes and the scanner looks for."""
    return privacy.name_words(raw["EmployeeName"]) if "EmployeeName" in raw.columns else set()


def employee_key(numbers: pd.Series, secret: str) -> pd.Series:
    return privacy.pseudonymise(numbers.astype("str").str.strip(), secret, EMPLOYEE_NAMESPACE)


def anonymise_raw(raw: pd.DataFrame, secret: str, names: set[str]) -> pd.DataFrame:
    """Raw rows with names and e-mails removed, the employee number pseudonymised and free text
    redacted (for quarantine records; bronze keeps the original)."""
    out = raw.copy()
    for column in ("EmployeeName", "Email"):
        if column in out.columns:
            out[column] = np.where(out[column].isna(), None, "[REDACTED]")
    if "EmployeeNumber" in out.columns:
        out["EmployeeNumber"] = employee_key(out["EmployeeNumber"], secret).where(
            out["EmployeeNumber"].notna()
        )
    for column in ("SurveyComment", RAW_LINE_COLUMN):
        if column in out.columns and out[column].notna().any():
            redacted, _ = privacy.redact_text(out[column].fillna(""), names)
            out[column] = redacted.where(out[column].notna())
    return out


# -------------------------------------------------------------------------- transform
def parse_and_check(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Typed integers and, per rule in priority order, the mask of rows breaking it."""
    s = raw_columns(raw, RAW_COLUMNS)
    ints: dict[str, pd.Series] = {}
    in_range = np.ones(len(raw), dtype=bool)
    numeric = np.ones(len(raw), dtype=bool)
    for column, (lo, hi) in INT_RANGES.items():
        v = s[column].astype("str")
        parsed = pd.to_numeric(v.where(v.str.fullmatch(_INT).fillna(False)), errors="coerce")
        ints[snake(column)] = parsed
        numeric &= parsed.notna().to_numpy() | s[column].isna().to_numpy()
        in_range &= parsed.between(lo, hi).to_numpy() | parsed.isna().to_numpy()
    categories_ok = np.logical_and.reduce([s[c].isin(values).to_numpy() for c, values in CATEGORIES.items()])
    failures: dict[str, np.ndarray] = {
        "unparseable_row": unparseable_rows(raw),
        "missing_required_field": missing_any(s, REQUIRED_COLUMNS),
        "malformed_employee_number": ~s["EmployeeNumber"]
        .astype("str")
        .str.fullmatch(r"^\s*\d{1,9}\s*$")
        .fillna(False)
        .to_numpy(bool),
        "not_a_number": ~numeric,
        "out_of_range": ~in_range,
        "unknown_category": ~categories_ok,
    }
    failures["duplicate_employee"] = repeats_among_valid(
        failures, s["EmployeeNumber"].astype("str").str.strip()
    )
    return pd.DataFrame(ints), failures


def build_silver(
    raw: pd.DataFrame,
    typed: pd.DataFrame,
    valid: np.ndarray,
    ds: str,
    checksum: str,
    secret: str,
    names: set[str],
) -> pd.DataFrame:
    """Valid employees: no names or e-mails, a keyed pseudonym, redacted comments with VADER sentiment."""
    rows = raw.loc[valid].reset_index(drop=True)
    t = typed.loc[valid].reset_index(drop=True).astype("int64")
    comments, redactions, compound = comment_sentiment(rows["SurveyComment"], names)
    cats = {snake(c): rows[c].astype("str") for c in CATEGORIES if c != "Attrition"}
    typed_frame = pd.DataFrame({**t, **cats, "comment_sentiment": compound})
    features = feature_frame(typed_frame)
    silver = pd.DataFrame(
        {
            "ds": ds,
            "employee_key": employee_key(rows["EmployeeNumber"], secret),
            "age_band": age_band(t["age"]),
            **cats,
            "attrition": (rows["Attrition"] == "Yes").astype("int64"),
            **{c: features[c] for c in features.columns},
            "comment": comments,
            "comment_label": pd.Series(
                [text.vader_label(c) if c == c else None for c in compound], dtype="str"
            ),
            "comment_redactions": redactions,
            "source_checksum": checksum,
        }
    )
    return silver[list(SILVER.columns)]


def _previous_department_sentiment(ctx: StageContext) -> pd.Series:
    prior = etl.window(
        ctx, GOLD_DEPARTMENT_SENTIMENT, 28, ["ds", "department", "avg_sentiment"], include_today=False
    )
    if prior.empty:
        return pd.Series(dtype=float)
    latest = prior.sort_values("ds").groupby("department")["avg_sentiment"].last()
    return latest


def build_gold(ctx: StageContext, silver: pd.DataFrame, quarantined: int) -> dict[str, pd.DataFrame]:
    """Weekly headline, k-anonymous group table and the department sentiment trend."""
    keys = ["department", "age_band", "gender"]
    groups = (
        silver.groupby(keys, sort=True)
        .agg(
            employees=("employee_key", "size"),
            attrition_rate=("attrition", "mean"),
            avg_monthly_income=("monthly_income", "mean"),
            avg_job_satisfaction=("job_satisfaction", "mean"),
            avg_sentiment=("comment_sentiment", "mean"),
        )
        .reset_index()
    )
    published, suppressed = privacy.k_anonymous(groups, "employees", K_ANONYMITY)
    dept = (
        silver.assign(
            negative=(silver["comment_label"] == "negative").where(silver["comment_sentiment"].notna())
        )
        .groupby("department", sort=True)
        .agg(
            employees=("employee_key", "size"),
            comments=("comment_sentiment", "count"),
            avg_sentiment=("comment_sentiment", "mean"),
            negative_share=("negative", "mean"),
        )
        .reset_index()
    )
    dept, _ = privacy.k_anonymous(dept, "comments", K_ANONYMITY)
    prev = _previous_department_sentiment(ctx)
    dept["avg_sentiment_prev"] = dept["department"].map(prev).astype(float)
    dept["sentiment_change"] = dept["avg_sentiment"] - dept["avg_sentiment_prev"]
    n = len(silver)
    has = silver["comment_sentiment"].notna()
    weekly = pd.DataFrame(
        [
            {
                "ds": ctx.ds,
                "employees": n,
                "attrition_rate": float(silver["attrition"].mean()) if n else float("nan"),
                "overtime_share": float(silver["over_time_yes"].mean()) if n else float("nan"),
                "comments": int(has.sum()),
                "avg_sentiment": float(silver.loc[has, "comment_sentiment"].mean())
                if has.any()
                else float("nan"),
                "negative_comment_share": float((silver.loc[has, "comment_label"] == "negative").mean())
                if has.any()
                else float("nan"),
                "comment_redactions": int(silver["comment_redactions"].sum()),
                "groups_published": len(published),
                "groups_suppressed": suppressed,
                "quarantined": quarantined,
                "quarantine_share": quarantined / max(n + quarantined, 1),
            }
        ]
    )
    return {
        "gold_weekly": weekly[list(GOLD_WEEKLY.columns)],
        "gold_groups": published.assign(ds=ctx.ds)[list(GOLD_GROUPS.columns)],
        "gold_department_sentiment": dept.assign(ds=ctx.ds)[list(GOLD_DEPARTMENT_SENTIMENT.columns)],
    }


def transform(ctx: StageContext) -> dict[str, Any]:
    """Every bronze row ends anonymised in silver or in quarantine with its rule."""
    part = etl.bronze_for(ctx)
    raw = read_bronze(part).to_pandas()
    secret = ctx.settings.pseudonym_secret.get_secret_value()
    names = known_names(raw)
    typed, failures = parse_and_check(raw)
    split = split_rows(len(raw), failures)
    quarantine = quarantine_frame(anonymise_raw(raw, secret, names), split, ctx.ds, ctx.run_id, part.checksum)
    silver = build_silver(raw, typed, split.valid, ctx.ds, part.checksum, secret, names)
    report = etl.check_batch(ctx, silver, silver_expectations(ctx.spec.quality.min_rows), split, len(raw))
    gold = build_gold(ctx, silver, len(quarantine))
    weekly = gold["gold_weekly"].iloc[0]
    return etl.handoff(
        ctx,
        part,
        split,
        report,
        {"silver": silver, "quarantine": quarantine, **gold},
        comment_redactions=int(weekly["comment_redactions"]),
        groups_suppressed=int(weekly["groups_suppressed"]),
    )


# ------------------------------------------------------------------------------- load
LOADED = {
    "silver": SILVER,
    "quarantine": QUARANTINE,
    "gold_weekly": GOLD_WEEKLY,
    "gold_groups": GOLD_GROUPS,
    "gold_department_sentiment": GOLD_DEPARTMENT_SENTIMENT,
}


def load(ctx: StageContext) -> dict[str, Any]:
    """Replace the week in silver, gold and quarantine, with its audit row, atomically."""
    return etl.load_partition(ctx, LOADED, SILVER, QUARANTINE)
