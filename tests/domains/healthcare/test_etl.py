"""Healthcare transform: every identifier kind gone from silver and quarantine, rules, features."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domains.core import privacy
from domains.core.quality import quarantine_frame, split_rows
from domains.healthcare import deid, etl
from domains.healthcare.features import comorbidity_score, diag_group, lace_score
from domains.healthcare.schema import IDENTIFIER_COLUMNS
from domains.healthcare.source import generate_day

DS = "2026-11-19"
SECRET = "test-pseudonym-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return generate_day(DS, 1500, 0.02).table.to_pandas()


def _transform(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    typed, failures = etl.parse_and_check(raw, DS)
    split = split_rows(len(raw), failures)
    quarantine = quarantine_frame(deid.deidentify_raw(raw, SECRET), split, DS, "run", "sum")
    return etl.build_silver(raw, typed, split.valid, DS, "sum", SECRET), quarantine


def _identifier_values(raw: pd.DataFrame) -> set[str]:
    values: set[str] = set()
    for column in IDENTIFIER_COLUMNS:
        values |= set(raw[column].dropna().astype(str))
    return {v for v in values if len(v) >= 5}


def _contains(text: str, value: str) -> bool:
    """`value` as a whole token (a ZIP inside a hex pseudonym is a coincidence, not a leak)."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", text) is not None


def _text(frame: pd.DataFrame) -> str:
    return "\n".join(str(v) for v in frame.to_numpy().ravel())


def test_no_raw_identifier_value_reaches_silver_or_quarantine(raw: pd.DataFrame) -> None:
    silver, quarantine = _transform(raw)
    assert len(silver) + len(quarantine) == len(raw) and len(quarantine) > 0
    stored = _text(silver.drop(columns=["ds"])) + _text(quarantine[["record"]])
    tokens = set(re.findall(r"[0-9A-Za-z]+", stored))
    candidates = [v for v in _identifier_values(raw) if set(re.findall(r"[0-9A-Za-z]+", v)) <= tokens]
    leaked = [v for v in candidates if _contains(stored, v)]
    assert leaked == []
    names = deid.known_names(raw)
    scanner = privacy.PhiScanner(known_names=frozenset(names))
    scanner.scan_frame("silver", silver).scan_frame("quarantine", quarantine)
    assert scanner.clean, scanner.summary()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.from_regex(r"[A-Z][a-z]{3,8} [A-Z][a-z]{3,10}", fullmatch=True),
    ssn=st.from_regex(r"[1-8]\d{2}-\d{2}-\d{4}", fullmatch=True),
    phone=st.from_regex(r"\([2-9]\d{2}\) [2-9]\d{2}-\d{4}", fullmatch=True),
    email=st.from_regex(r"[a-z]{3,8}\.[a-z]{3,8}@[a-z]{4,8}\.org", fullmatch=True),
    mrn=st.from_regex(r"MRN\d{8}", fullmatch=True),
    street=st.from_regex(r"\d{1,4} [A-Z][a-z]{3,8} (St|Ave|Rd)", fullmatch=True),
    zip_code=st.from_regex(r"\d{5}", fullmatch=True),
    dob=st.dates(min_value=pd.Timestamp("1925-01-01").date(), max_value=pd.Timestamp("2000-12-31").date()),
)
def test_generated_phi_is_removed_from_valid_and_quarantined_rows(
    raw: pd.DataFrame, name: str, ssn: str, phone: str, email: str, mrn: str, street: str, zip_code: str, dob
) -> None:
    rows = raw.head(2).copy()
    planted = {
        "patient_name": name,
        "ssn": ssn,
        "phone": phone,
        "email": email,
        "mrn": mrn,
        "address": street,
        "zip": zip_code,
        "date_of_birth": dob.isoformat(),
    }
    for column, value in planted.items():
        rows[column] = value
    rows.loc[rows.index[1], "readmitted"] = "maybe"  # the second row is quarantined
    silver, quarantine = _transform(rows.reset_index(drop=True))
    assert len(silver) == 1 and len(quarantine) == 1
    stored = _text(silver.drop(columns=["ds"])) + _text(quarantine[["record"]])
    for column, value in planted.items():
        assert not _contains(stored, value), column
    for part in name.split():
        assert not _contains(stored, part)
    record = json.loads(quarantine["record"][0])
    assert record["date_of_birth"] == "[REDACTED]" and record["admission_date"] == DS[:4]
    assert record["zip"] in {zip_code[:3], "000"}


def test_pseudonyms_link_a_patient_across_days_and_change_with_the_secret() -> None:
    a = generate_day("2026-11-18", 3000).table.to_pandas()
    b = generate_day("2026-11-19", 3000).table.to_pandas()
    shared = sorted(set(a["patient_nbr"]) & set(b["patient_nbr"]))[:1]
    assert shared
    key = deid.patient_key(pd.Series(shared), SECRET)[0]
    assert key == deid.patient_key(pd.Series(shared), SECRET)[0]
    assert key != deid.patient_key(pd.Series(shared), "another-secret-abcdefghijklmnopqrstuv")[0]


def test_quarantine_rules_on_crafted_rows(raw: pd.DataFrame) -> None:
    clean = (
        raw.loc[etl.split_rows(len(raw), etl.parse_and_check(raw, DS)[1]).valid]
        .head(8)
        .reset_index(drop=True)
    )
    bad = clean.copy()
    bad.loc[0, "gender"] = "X"
    bad.loc[1, "time_in_hospital"] = "15"
    bad.loc[2, "diag_1"] = "ABC"
    bad.loc[3, "readmitted"] = "soon"
    bad.loc[4, "discharge_date"] = "2026-11-20"
    bad.loc[5, "admission_date"] = "2026-11-25"
    bad.loc[6, "encounter_id"] = bad.loc[7, "encounter_id"]
    split = split_rows(len(bad), etl.parse_and_check(bad, DS)[1])
    assert split.rule.tolist()[:7] == [
        "invalid_gender",
        "invalid_count",
        "invalid_icd_code",
        "invalid_readmitted",
        "date_outside_partition",
        "inconsistent_stay",
        None,
    ]
    assert split.rule[7] == "duplicate_encounter" and split.valid[6]


def test_lace_comorbidity_and_diagnosis_groups_by_hand() -> None:
    # LOS 5 -> 4 points, emergency -> 3, comorbidity 2 -> 2, 6 ED visits -> capped at 4: LACE 13.
    assert lace_score(
        np.array([5, 1, 14]), np.array([True, False, False]), np.array([2, 0, 5]), np.array([6, 0, 1])
    ).tolist() == [13, 1, 13]
    diags = [
        pd.Series(["428", "250.6", "V57"]),
        pd.Series(["585", "I50.9", "786"]),
        pd.Series(["162", None, "?"]),
    ]
    # heart failure 1 + renal 2 + cancer 2 = 5; complicated diabetes 2 + heart failure 1 = 3; none = 0.
    assert comorbidity_score([d.fillna("") for d in diags]).tolist() == [5, 3, 0]
    groups = diag_group(pd.Series(["428", "486", "250.83", "820", "E11.9", "J44.1", "V57", "N18.3"]))
    assert groups.tolist() == [
        "circulatory",
        "respiratory",
        "diabetes",
        "injury",
        "diabetes",
        "respiratory",
        "other",
        "genitourinary",
    ]


def test_gold_publishes_only_groups_of_eleven_or_more(raw: pd.DataFrame) -> None:
    silver, _ = _transform(raw)
    gold = etl.build_gold(DS, silver, 0)
    assert (gold["gold_groups"]["encounters"] >= 11).all()
    tiny = silver.head(30)
    assert etl.build_gold(DS, tiny, 0)["gold_daily"]["groups_suppressed"][0] > 0
