"""Healthcare's Safe Harbor mapping: which raw column becomes what before anything leaves bronze.

Silver and quarantine both go through here, so no identifier reaches the warehouse by either path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from domains.core import privacy
from domains.healthcare.schema import IDENTIFIER_COLUMNS, RAW_LINE_COLUMN

PATIENT_NAMESPACE = "healthcare.patient"
ENCOUNTER_NAMESPACE = "healthcare.encounter"
# Removed outright: nothing of them is needed downstream.
# Even a birth year identifies the over-89s, so the date of birth goes too.
DROPPED: tuple[str, ...] = (
    *(c for c, kind in IDENTIFIER_COLUMNS.items() if kind in {"name", "ssn", "phone", "email"}),
    "address",
    "date_of_birth",
)


def patient_key(patient_nbr: pd.Series, secret: str) -> pd.Series:
    """The patient's pseudonym: the same patient links across runs and days, only with the key."""
    return privacy.pseudonymise(patient_nbr.astype("str").str.strip(), secret, PATIENT_NAMESPACE)


def encounter_key(encounter_id: pd.Series, secret: str) -> pd.Series:
    return privacy.pseudonymise(encounter_id.astype("str").str.strip(), secret, ENCOUNTER_NAMESPACE)


def year_only(values: pd.Series) -> pd.Series:
    """A date's year (text), None when no year can be read."""
    s = values.astype("str").str.strip()
    return s.str.extract(r"^((?:19|20)\d{2})\b", expand=False)


def known_names(raw: pd.DataFrame) -> set[str]:
    """The raw extract's personal names, word by word: what the leak scanner must never find."""
    return privacy.name_words(raw["patient_name"]) if "patient_name" in raw.columns else set()


def deidentify_raw(raw: pd.DataFrame, secret: str) -> pd.DataFrame:
    """The raw rows with every identifier removed or generalised (for quarantine records).

    Bronze keeps the original; a quarantined row's `row_number` and checksum point back to it for
    whoever is allowed to read the raw zone.
    """
    out = raw.copy()
    for column in DROPPED:
        if column in out.columns:
            out[column] = np.where(out[column].isna(), None, "[REDACTED]")
    if "patient_nbr" in out.columns:
        out["patient_nbr"] = patient_key(out["patient_nbr"], secret).where(out["patient_nbr"].notna())
    if "mrn" in out.columns:
        out["mrn"] = patient_key(out["mrn"], secret).where(out["mrn"].notna())
    if "encounter_id" in out.columns:
        out["encounter_id"] = encounter_key(out["encounter_id"], secret).where(out["encounter_id"].notna())
    for column in ("admission_date", "discharge_date"):
        if column in out.columns:
            out[column] = year_only(out[column])
    if "zip" in out.columns:
        out["zip"] = privacy.zip3(out["zip"])
    if RAW_LINE_COLUMN in out.columns and out[RAW_LINE_COLUMN].notna().any():
        line = out[RAW_LINE_COLUMN]
        addresses = set(raw["address"].dropna().astype("str")) if "address" in raw.columns else set()
        redacted, _ = privacy.redact_text(line.fillna(""), known_names(raw) | addresses)
        out[RAW_LINE_COLUMN] = redacted.where(line.notna())
    return out
