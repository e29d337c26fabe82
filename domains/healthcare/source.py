"""Healthcare raw sources: a hospital's encounter extract, or deterministic synthetic encounters.

One extract per day holds the encounters discharged that day, in the diabetes-130-hospitals column
layout plus the identifiers a real extract carries (name, SSN, date of birth, address, ZIP, phone,
email, MRN, admission and discharge dates). The synthetic patients are a fixed population: the same
patient keeps the same identity, record numbers and a hidden frailty across days, so frail patients
come back more often, carry more prior inpatient and emergency visits, and are readmitted more. The
30-day readmission label follows prior admissions, length of stay, comorbidities (heart failure,
renal disease), discharge disposition, untreated high A1C and age, with interactions a linear score
misses. A small share of rows is dirty.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pyarrow as pa

from domains.core import people, sources
from domains.core.bronze import checksum_table
from domains.core.sources import RawExtract
from domains.healthcare.schema import MEDICATIONS, RAW_COLUMNS, RAW_LINE_COLUMN

GENERATOR_VERSION = "healthcare-synth-1"
N_PATIENTS = 60_000

# ZIPs across the US, two of them in low-population ZIP3 areas Safe Harbor turns into 000.
ZIPS = (
    "10023",
    "60614",
    "77005",
    "94110",
    "30309",
    "98103",
    "02139",
    "48201",
    "85004",
    "33101",
    "55401",
    "80202",
    "03601",
    "82301",
    "19104",
    "63101",
    "37203",
    "46204",
    "64108",
    "97205",
)
RACES = ("Caucasian", "AfricanAmerican", "Hispanic", "Asian", "Other", "?")
RACE_P = (0.75, 0.19, 0.02, 0.006, 0.015, 0.019)
PAYERS = ("MC", "MD", "HM", "SP", "BC", "UN", "CP", "?")
SPECIALTIES = (
    "InternalMedicine",
    "Emergency/Trauma",
    "Family/GeneralPractice",
    "Cardiology",
    "Surgery-General",
    "Nephrology",
    "Orthopedics",
    "Pulmonology",
    "?",
)

# Diagnosis codes (ICD-9 as in the dataset, with some ICD-10 from newer feeds) and their weights.
CHF = ("428", "428.0", "I50.9")
RENAL = ("585", "403", "N18.3")
DIAGS_COMMON = (
    "250",
    "250.02",
    "250.6",
    "250.83",
    "414",
    "410",
    "427",
    "486",
    "491",
    "496",
    "599",
    "786",
    "780",
    "276",
    "715",
    "996",
    "V57",
    "E11.9",
    "I10",
    "J44.1",
    "K21.9",
    "584",
    "434",
    "682",
    "038",
    "562",
    "577",
    "722",
    "820",
    "162",
    "174",
)

EPOCH = date(2024, 1, 1)


def read_file_source(path_template: str, ds: str) -> RawExtract:
    """Read an encounter extract (CSV/Parquet) in the raw schema; `{ds}` selects a per-day file."""
    return sources.read_file_source(path_template, ds, RAW_COLUMNS, "HEALTHCARE_SOURCE")


def _rng(*key: object) -> np.random.Generator:
    digest = hashlib.sha256("/".join(map(str, (GENERATOR_VERSION, *key))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


@lru_cache(maxsize=2)
def patients(n: int = N_PATIENTS) -> dict[str, np.ndarray]:
    """The fixed synthetic population: identity, demographics and hidden frailty per patient."""
    rng = _rng("patients", n)
    first = np.asarray(people.FIRST_NAMES)[rng.integers(0, len(people.FIRST_NAMES), n)]
    last = np.asarray(people.LAST_NAMES)[rng.integers(0, len(people.LAST_NAMES), n)]
    # Ages skew old, as in the dataset; a few past 90 so the Safe Harbor cap has work to do.
    age = np.clip(rng.normal(63, 14, n), 18, 99)
    birth = (
        np.datetime64(EPOCH)
        - (age * 365.25).astype("timedelta64[D]")
        - rng.integers(0, 365, n).astype("timedelta64[D]")
    )
    frailty = rng.normal(0, 1, n) + 0.015 * (age - 66)
    ssn_area = rng.integers(1, 900, n)
    ssn_area = np.where(ssn_area == 666, 667, ssn_area)
    ssn = np.char.add(
        np.char.add(np.char.zfill(ssn_area.astype(str), 3), "-"),
        np.char.add(
            np.char.add(np.char.zfill(rng.integers(1, 100, n).astype(str), 2), "-"),
            np.char.zfill(rng.integers(1, 10000, n).astype(str), 4),
        ),
    )
    phone = np.array(
        [
            f"({a}) {b}-{c:04d}"
            for a, b, c in zip(
                rng.integers(201, 990, n), rng.integers(200, 990, n), rng.integers(0, 10000, n), strict=True
            )
        ],
        dtype=object,
    )
    idx = np.arange(n)
    return {
        "patient_nbr": (8_222_157 + idx * 37).astype(str),
        "mrn": np.char.add("MRN", np.char.zfill((40_000_000 + idx * 13).astype(str), 8)),
        "patient_name": np.char.add(np.char.add(first, " "), last),
        "first": first,
        "last": last,
        "ssn": ssn,
        "date_of_birth": np.datetime_as_string(birth, unit="D"),
        "address": np.array(
            [
                f"{h} {s} St"
                for h, s in zip(rng.integers(1, 9999, n), rng.choice(people.STREET_NAMES, n), strict=True)
            ],
            dtype=object,
        ),
        "zip": np.asarray(ZIPS)[rng.integers(0, len(ZIPS), n)],
        "phone": phone,
        "email": np.char.add(
            np.char.add(np.char.lower(first), "."),
            np.char.add(np.char.lower(last), np.char.add(idx.astype(str), "@example.com")),
        ),
        "race": np.asarray(RACES)[rng.choice(len(RACES), n, p=RACE_P)],
        "gender": np.where(rng.random(n) < 0.535, "Female", "Male"),
        "frailty": frailty,
        "visit_weight": np.exp(0.7 * frailty),
    }


def _age_label(age: np.ndarray) -> np.ndarray:
    lo = (np.clip(age, 0, 99) // 10 * 10).astype(int)
    return np.char.add(
        np.char.add(np.char.add("[", lo.astype(str)), np.char.add("-", (lo + 10).astype(str))), ")"
    )


def generate_day(ds: str, rows: int, dirty_share: float = 0.01) -> RawExtract:
    """The encounters discharged on one day, the same for the same date on every machine."""
    rng = _rng("encounters", ds, rows)
    pop = patients()
    p = pop["visit_weight"] / pop["visit_weight"].sum()
    who = rng.choice(len(p), size=rows, p=p)
    frail = pop["frailty"][who]
    discharge = np.datetime64(ds)
    birth = pop["date_of_birth"][who].astype("datetime64[D]")
    age = (discharge - birth).astype(int) / 365.25

    inpatient = rng.poisson(np.exp(-0.9 + 0.75 * frail))
    emergency = rng.poisson(np.exp(-1.9 + 0.55 * frail))
    outpatient = rng.poisson(np.exp(-1.1 + 0.25 * frail))
    los = np.clip(1 + rng.geometric(1 / (3.2 + 0.5 * np.clip(frail, -1, 3)), rows) - 1, 1, 14)
    n_diag = np.clip(rng.poisson(6.5 + 0.8 * frail), 1, 16)
    labs = np.clip(rng.normal(43 + 2 * los, 18), 1, 132).astype(int)
    procs = np.clip(rng.poisson(1.3, rows), 0, 6)
    meds = np.clip(rng.poisson(11 + 1.2 * los), 1, 81)

    chf = rng.random(rows) < 1 / (1 + np.exp(-(-2.2 + 0.6 * frail + 0.02 * (age - 66))))
    renal = rng.random(rows) < 1 / (1 + np.exp(-(-2.6 + 0.5 * frail)))
    common = np.asarray(DIAGS_COMMON)
    diags = common[rng.integers(0, len(common), (rows, 3))].astype(object)
    diags[chf, 0] = np.asarray(CHF)[rng.integers(0, 3, int(chf.sum()))]
    diags[renal, 1] = np.asarray(RENAL)[rng.integers(0, 3, int(renal.sum()))]
    diags[rng.random(rows) < 0.02, 2] = "?"

    adm_type = rng.choice([1, 2, 3, 5, 6, 7], rows, p=[0.53, 0.18, 0.19, 0.05, 0.04, 0.01])
    adm_source = np.where(
        adm_type == 1, 7, rng.choice([1, 2, 4, 6, 17], rows, p=[0.55, 0.05, 0.15, 0.15, 0.1])
    )
    # Dispositions: home, home health, SNF, rehab, transfer, AMA, and the few who died in hospital.
    dispo = rng.choice(
        [1, 6, 3, 22, 2, 5, 7, 11, 13], rows, p=[0.56, 0.14, 0.13, 0.03, 0.03, 0.04, 0.01, 0.015, 0.045]
    )
    sicker = (frail > 1.2) & (rng.random(rows) < 0.35)
    dispo = np.where(sicker, rng.choice([3, 22, 6], rows), dispo)

    a1c = rng.choice(["None", ">8", "Norm", ">7"], rows, p=[0.83, 0.08, 0.05, 0.04])
    glu = rng.choice(["None", ">300", "Norm", ">200"], rows, p=[0.947, 0.013, 0.026, 0.014])
    med_state = rng.choice(4, (rows, len(MEDICATIONS)), p=[0.9, 0.07, 0.015, 0.015])
    med_state[:, 1:] = np.where(rng.random((rows, len(MEDICATIONS) - 1)) < 0.75, 0, med_state[:, 1:])
    insulin_i = MEDICATIONS.index("insulin")
    med_state[:, insulin_i] = rng.choice(4, rows, p=[0.47, 0.30, 0.11, 0.12])
    changed = ((med_state == 2) | (med_state == 3)).any(axis=1)
    on_meds = (med_state > 0).any(axis=1)

    # The readmission process: prior use, frailty, heart and kidney disease, where the patient went,
    # an untreated high A1C; a saturating effect of prior admissions and an interaction with
    # discharge to a nursing facility, which a linear score cannot represent.
    dispo_effect = np.select(
        [dispo == 3, dispo == 22, dispo == 6, dispo == 7, dispo == 5, dispo == 2],
        [0.45, 0.55, 0.2, 0.7, 0.5, 0.3],
        0.0,
    )
    z = (
        -3.8
        + 1.0 * np.log1p(inpatient)
        + 0.3 * np.log1p(emergency)
        + 0.35 * (los >= 7)
        - 0.25 * (los <= 1)
        + 0.08 * (n_diag - 7)
        + 0.45 * chf
        + 0.35 * renal
        + 0.6 * (chf & renal)
        + dispo_effect
        + 0.6 * ((a1c == ">8") & ~changed)
        - 0.3 * ((a1c == ">8") & changed)
        + 0.9 * ((inpatient >= 2) & np.isin(dispo, (3, 22)))
        + 0.5 * ((age >= 75) & (age < 90))
        + 0.35 * frail
    )
    u = rng.random(rows)
    p30 = 1 / (1 + np.exp(-z))
    p_later = np.clip(0.33 + 0.06 * frail, 0.05, 0.7)
    readmitted = np.where(u < p30, "<30", np.where(u < p30 + (1 - p30) * p_later, ">30", "NO"))
    readmitted = np.where(np.isin(dispo, (11, 13)), "NO", readmitted)

    admission = discharge - los.astype("timedelta64[D]")
    columns: dict[str, np.ndarray] = {
        "encounter_id": (
            int((date.fromisoformat(ds) - EPOCH).days) * 100_000 + 2_278_392 + np.arange(rows)
        ).astype(str),
        "patient_nbr": pop["patient_nbr"][who],
        "race": pop["race"][who],
        "gender": pop["gender"][who],
        "age": _age_label(age),
        "weight": np.full(rows, "?"),
        "admission_type_id": adm_type.astype(str),
        "discharge_disposition_id": dispo.astype(str),
        "admission_source_id": adm_source.astype(str),
        "time_in_hospital": los.astype(str),
        "payer_code": np.asarray(PAYERS)[rng.integers(0, len(PAYERS), rows)],
        "medical_specialty": np.asarray(SPECIALTIES)[rng.integers(0, len(SPECIALTIES), rows)],
        "num_lab_procedures": labs.astype(str),
        "num_procedures": procs.astype(str),
        "num_medications": meds.astype(str),
        "number_outpatient": outpatient.astype(str),
        "number_emergency": emergency.astype(str),
        "number_inpatient": inpatient.astype(str),
        "diag_1": diags[:, 0],
        "diag_2": diags[:, 1],
        "diag_3": diags[:, 2],
        "number_diagnoses": n_diag.astype(str),
        "max_glu_serum": glu,
        "A1Cresult": a1c,
        **{m: np.asarray(("No", "Steady", "Up", "Down"))[med_state[:, i]] for i, m in enumerate(MEDICATIONS)},
        "change": np.where(changed, "Ch", "No"),
        "diabetesMed": np.where(on_meds, "Yes", "No"),
        "readmitted": readmitted,
        **{
            k: pop[k][who]
            for k in ("patient_name", "ssn", "date_of_birth", "address", "zip", "phone", "email", "mrn")
        },
        "admission_date": np.datetime_as_string(admission, unit="D"),
        "discharge_date": np.full(rows, ds),
    }
    columns = _inject_dirty(rng, columns, dirty_share, ds)
    n = len(columns["encounter_id"])
    table = pa.table(
        {c: pa.array(np.asarray(columns[c], dtype=object), type=pa.string()) for c in RAW_COLUMNS}
    )
    table = table.append_column(RAW_LINE_COLUMN, pa.nulls(n, pa.string()))
    return RawExtract(table, checksum_table(table), f"synthetic:{GENERATOR_VERSION}:{ds}")


def _inject_dirty(rng: np.random.Generator, cols: dict[str, np.ndarray], share: float, ds: str) -> dict:
    """Bad codes and counts, impossible stays, unknown ICD codes and labels, missing ids, re-sent rows."""
    n = len(cols["encounter_id"])
    k = round(n * share)
    if k == 0:
        return cols
    out = {c: np.asarray(v, dtype=object).copy() for c, v in cols.items()}
    rows = rng.choice(n, size=k, replace=False)
    later = (date.fromisoformat(ds) + timedelta(days=3)).isoformat()
    for row, kind in zip(rows, rng.integers(0, 8, k), strict=True):
        if kind == 0:
            out["encounter_id"][row] = None
        elif kind == 1:
            out["time_in_hospital"][row] = ("0", "-2", "three", "40")[int(rng.integers(0, 4))]
        elif kind == 2:
            out["diag_1"][row] = ("XYZ", "", "25O.1")[int(rng.integers(0, 3))]
        elif kind == 3:
            out["readmitted"][row] = ("maybe", "<60", "yes")[int(rng.integers(0, 3))]
        elif kind == 4:
            out["admission_date"][row] = later  # admitted after discharge
        elif kind == 5:
            out["gender"][row] = ("F", "other", "")[int(rng.integers(0, 3))]
        elif kind == 6:
            out["number_emergency"][row] = "-1"
        else:
            out["encounter_id"][row] = out["encounter_id"][(row + 1) % n]  # a re-sent encounter
    return out
