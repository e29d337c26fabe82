"""Healthcare extract → transform → load: raw extract to bronze, Safe Harbor de-identified silver,
k-anonymous readmission gold; quarantined rows are de-identified too."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl, privacy
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
from domains.healthcare import deid
from domains.healthcare.features import ICD, MISSING_DIAG, diag_group, feature_frame
from domains.healthcare.schema import (
    CODE_COLUMNS,
    COUNT_COLUMNS,
    GENDERS,
    GOLD_DAILY,
    GOLD_GROUPS,
    K_ANONYMITY,
    MEDICATIONS,
    NOT_AT_RISK_DISPOSITIONS,
    QUARANTINE,
    RAW_COLUMNS,
    READMITTED,
    REQUIRED_COLUMNS,
    SILVER,
    silver_expectations,
)
from domains.healthcare.source import generate_day, read_file_source

_ID = r"^\s*\d{1,12}\s*$"
_INT = r"^\s*\d{1,4}\s*$"
# Dataset age bands "[70-80)": the fallback when a row has no readable date of birth.
_BAND_MID = r"^\[(\d{1,2})0-\d{2,3}\)$"


# ---------------------------------------------------------------------------- extract
def extract(ctx: StageContext) -> dict[str, Any]:
    """The day's encounter extract, untouched (identifiers included), to the access-controlled bronze zone."""
    if ctx.source.source == "synthetic":
        raw = generate_day(ctx.ds, ctx.source.rows_per_day, ctx.source.dirty_share)
    else:
        raw = read_file_source(ctx.source.source, ctx.ds)
    return etl.to_bronze(ctx, raw, "encounters")


# -------------------------------------------------------------------------- transform
def _ints(values: pd.Series) -> pd.Series:
    s = values.astype("str")
    ok = s.str.fullmatch(_INT).fillna(False)
    return pd.to_numeric(s.where(ok), errors="coerce")


def _dates(values: pd.Series) -> pd.Series:
    return to_timestamp(values.astype("str").str.strip(), "%Y-%m-%d")


def parse_and_check(raw: pd.DataFrame, ds: str) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Typed columns and, per rule in priority order, the mask of rows breaking it."""
    s = raw_columns(raw, RAW_COLUMNS)
    counts = {c: _ints(s[c]) for c in COUNT_COLUMNS}
    codes = {c: _ints(s[c]) for c in CODE_COLUMNS}
    admission, discharge, birth = (
        _dates(s["admission_date"]),
        _dates(s["discharge_date"]),
        _dates(s["date_of_birth"]),
    )
    diags = {c: s[c].astype("str").str.strip() for c in ("diag_1", "diag_2", "diag_3")}
    stay = (discharge - admission).dt.days
    count_ok = np.logical_and.reduce([v.notna().to_numpy() for v in counts.values()])
    diag_ok = diags["diag_1"].str.fullmatch(ICD).fillna(False).to_numpy(bool).copy()
    for c in ("diag_2", "diag_3"):
        d = diags[c]
        diag_ok &= (d.isna() | d.isin(MISSING_DIAG) | d.str.fullmatch(ICD).fillna(False)).to_numpy(bool)
    failures: dict[str, np.ndarray] = {
        "unparseable_row": unparseable_rows(raw),
        "missing_required_field": missing_any(s, REQUIRED_COLUMNS),
        "malformed_id": ~np.logical_and(
            s["encounter_id"].astype("str").str.fullmatch(_ID).fillna(False).to_numpy(bool),
            s["patient_nbr"].astype("str").str.fullmatch(_ID).fillna(False).to_numpy(bool),
        ),
        "invalid_gender": ~s["gender"].isin(GENDERS).to_numpy(),
        "invalid_code": ~np.logical_and.reduce([v.between(1, 30).to_numpy() for v in codes.values()]),
        "invalid_count": ~count_ok | ~counts["time_in_hospital"].between(1, 14).to_numpy(),
        "invalid_icd_code": ~diag_ok,
        "invalid_readmitted": ~s["readmitted"].isin(READMITTED).to_numpy(),
        "invalid_date": (admission.isna() | discharge.isna()).to_numpy()
        | (s["date_of_birth"].notna() & birth.isna()).to_numpy()
        | (birth > admission).fillna(False).to_numpy(bool),
        "date_outside_partition": (discharge.dt.strftime("%Y-%m-%d") != ds).to_numpy(bool)
        & discharge.notna().to_numpy(),
        # The dataset counts days in hospital; a stay that disagrees with its own dates by more than
        # the day-counting convention (same-day = 1) is a broken row.
        "inconsistent_stay": ((stay < 0) | ((stay - counts["time_in_hospital"]).abs() > 1))
        .fillna(False)
        .to_numpy(bool),
    }
    failures["duplicate_encounter"] = repeats_among_valid(
        failures, s["encounter_id"].astype("str").str.strip()
    )
    age = pd.Series(privacy.age_at(birth, admission), index=raw.index)
    band_lo = pd.to_numeric(s["age"].astype("str").str.extract(_BAND_MID, expand=False), errors="coerce")
    age = age.fillna(band_lo * 10 + 5)
    med_frame = pd.DataFrame({m: s[m].astype("str") for m in MEDICATIONS})
    typed = pd.DataFrame(
        {
            **{c: v for c, v in counts.items()},
            **{c: v for c, v in codes.items()},
            "age": privacy.cap_age(age),
            "admission_year": admission.dt.year,
            "meds_up": (med_frame == "Up").sum(axis=1),
            "meds_down": (med_frame == "Down").sum(axis=1),
            **diags,
        }
    )
    return typed, failures


def build_silver(
    raw: pd.DataFrame, typed: pd.DataFrame, valid: np.ndarray, ds: str, checksum: str, secret: str
) -> pd.DataFrame:
    """Valid encounters with identifiers removed or generalised (Safe Harbor) and model features."""
    rows = raw.loc[valid].reset_index(drop=True)
    t = typed.loc[valid].reset_index(drop=True)
    clean = pd.DataFrame(
        {
            **{c: t[c].astype("int64") for c in (*COUNT_COLUMNS, *CODE_COLUMNS)},
            "age": t["age"].astype(float),
            "gender": rows["gender"].astype("str"),
            "diag_1": t["diag_1"],
            "diag_2": t["diag_2"].where(~t["diag_2"].isin(MISSING_DIAG)),
            "diag_3": t["diag_3"].where(~t["diag_3"].isin(MISSING_DIAG)),
            "max_glu_serum": rows["max_glu_serum"].fillna("None").astype("str"),
            "a1c_result": rows["A1Cresult"].fillna("None").astype("str"),
            "insulin": rows["insulin"].fillna("No").astype("str"),
            "meds_up": t["meds_up"].astype("int64"),
            "meds_down": t["meds_down"].astype("int64"),
            "change": rows["change"].astype("str"),
            "diabetes_med": rows["diabetesMed"].astype("str"),
        }
    )
    features = feature_frame(clean)
    readmitted = rows["readmitted"].astype("str")
    silver = pd.DataFrame(
        {
            "ds": ds,
            "encounter_key": deid.encounter_key(rows["encounter_id"], secret),
            "patient_key": deid.patient_key(rows["patient_nbr"], secret),
            "race": rows["race"].fillna("?").astype("str"),
            "gender": clean["gender"],
            "age_band": privacy.age_band(clean["age"]).to_numpy(),
            "zip3": privacy.zip3(rows["zip"]).to_numpy(),
            "admission_year": t["admission_year"].astype("int64"),
            "payer_code": rows["payer_code"].fillna("?").astype("str"),
            "medical_specialty": rows["medical_specialty"].fillna("?").astype("str"),
            **{c: clean[c] for c in CODE_COLUMNS},
            "diag_1": clean["diag_1"],
            "diag_2": clean["diag_2"],
            "diag_3": clean["diag_3"],
            "diag_1_group": diag_group(clean["diag_1"]),
            "max_glu_serum": clean["max_glu_serum"],
            "a1c_result": clean["a1c_result"],
            "insulin": clean["insulin"],
            "metformin": rows["metformin"].fillna("No").astype("str"),
            "readmitted": readmitted,
            "readmitted_30d": (readmitted == "<30").astype("int64"),
            "at_risk": (~clean["discharge_disposition_id"].isin(NOT_AT_RISK_DISPOSITIONS)).astype("int64"),
            **{c: features[c] for c in features.columns},
            "source_checksum": checksum,
        }
    )
    return silver[list(SILVER.columns)]


_GROUP_DIMENSIONS = ("age_band", "gender", "diag_1_group", "discharge_disposition_id", "admission_type_id")


def build_gold(ds: str, silver: pd.DataFrame, quarantined: int) -> dict[str, pd.DataFrame]:
    """Headline readmission numbers and per-group rates, publishing only groups of K_ANONYMITY or more."""
    n = len(silver)
    parts = []
    for dim in _GROUP_DIMENSIONS:
        g = (
            silver.groupby(silver[dim].astype("str"), sort=True)
            .agg(
                encounters=("encounter_key", "size"),
                readmitted_30d_rate=("readmitted_30d", "mean"),
                avg_length_of_stay=("time_in_hospital", "mean"),
                avg_lace_score=("lace_score", "mean"),
            )
            .reset_index(names="group_value")
        )
        parts.append(g.assign(dimension=dim))
    groups = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(GOLD_GROUPS.columns))
    published, suppressed = privacy.k_anonymous(groups, "encounters", K_ANONYMITY)
    daily = pd.DataFrame(
        [
            {
                "ds": ds,
                "encounters": n,
                "patients": int(silver["patient_key"].nunique()),
                "readmitted_30d_rate": float(silver["readmitted_30d"].mean()) if n else float("nan"),
                "readmitted_any_rate": float((silver["readmitted"] != "NO").mean()) if n else float("nan"),
                "avg_length_of_stay": float(silver["time_in_hospital"].mean()) if n else float("nan"),
                "avg_lace_score": float(silver["lace_score"].mean()) if n else float("nan"),
                "high_lace_share": float((silver["lace_score"] >= 10).mean()) if n else float("nan"),
                "quarantined": quarantined,
                "quarantine_share": quarantined / max(n + quarantined, 1),
                "groups_suppressed": suppressed,
            }
        ]
    )
    return {
        "gold_daily": daily[list(GOLD_DAILY.columns)],
        "gold_groups": published.assign(ds=ds)[list(GOLD_GROUPS.columns)],
    }


def transform(ctx: StageContext) -> dict[str, Any]:
    """Every bronze encounter ends de-identified in silver or in quarantine with its rule."""
    part = etl.bronze_for(ctx)
    raw = read_bronze(part).to_pandas()
    secret = ctx.settings.pseudonym_secret.get_secret_value()
    typed, failures = parse_and_check(raw, ctx.ds)
    split = split_rows(len(raw), failures)
    quarantine = quarantine_frame(deid.deidentify_raw(raw, secret), split, ctx.ds, ctx.run_id, part.checksum)
    silver = build_silver(raw, typed, split.valid, ctx.ds, part.checksum, secret)
    report = etl.check_batch(ctx, silver, silver_expectations(ctx.spec.quality.min_rows), split, len(raw))
    gold = build_gold(ctx.ds, silver, len(quarantine))
    return etl.handoff(
        ctx,
        part,
        split,
        report,
        {"silver": silver, "quarantine": quarantine, **gold},
        groups_suppressed=int(gold["gold_daily"]["groups_suppressed"].iloc[0]),
    )


# ------------------------------------------------------------------------------- load
LOADED = {"silver": SILVER, "quarantine": QUARANTINE, "gold_daily": GOLD_DAILY, "gold_groups": GOLD_GROUPS}


def load(ctx: StageContext) -> dict[str, Any]:
    """Replace the date in silver, gold and quarantine, with its audit row, atomically."""
    return etl.load_partition(ctx, LOADED, SILVER, QUARANTINE)
