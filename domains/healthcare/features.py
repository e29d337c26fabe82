"""Readmission features from de-identified encounter columns, shared by transform and the API:
diagnosis groups, a Charlson-style comorbidity score, the LACE index and the model's inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from domains.healthcare.schema import COUNT_COLUMNS, FEATURES

ICD9 = r"^(?:\d{3}(?:\.\d{1,2})?|V\d{2}(?:\.\d{1,2})?|E\d{3}(?:\.\d)?)$"
ICD10 = r"^[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?$"
ICD = f"(?:{ICD9[1:-1]})|(?:{ICD10[1:-1]})"
MISSING_DIAG = ("?", "")

# Charlson-style conditions by code (ICD-9 numeric ranges, ICD-10 prefixes) and their weights.
_CONDITIONS: dict[str, tuple[tuple[float, float], tuple[str, ...], int]] = {
    "heart_failure": ((428, 429), ("I50",), 1),
    "myocardial_infarction": ((410, 411), ("I21", "I22"), 1),
    "cerebrovascular": ((430, 439), ("I6",), 1),
    "pulmonary": ((490, 497), ("J44", "J45", "J43"), 1),
    "renal": ((582, 587), ("N18", "N19", "I12"), 2),
    "liver": ((571, 572), ("K70", "K71", "K72", "K73", "K74"), 1),
    "cancer": ((140, 209), ("C",), 2),
    "diabetes_complicated": ((250.4, 251), ("E11.2", "E11.3", "E11.4", "E11.5", "E10.2"), 2),
}


def _numeric_icd9(codes: pd.Series) -> pd.Series:
    """ICD-9 codes as numbers (V/E codes and ICD-10 give NaN)."""
    return pd.to_numeric(codes.where(codes.str.match(r"^\d"), None), errors="coerce")


def in_condition(codes: pd.Series, condition: str) -> np.ndarray:
    (lo, hi), prefixes, _ = _CONDITIONS[condition]
    s = codes.astype("str").str.strip()
    num = _numeric_icd9(s)
    return ((num >= lo) & (num < hi)).to_numpy(bool) | s.str.startswith(prefixes).fillna(False).to_numpy(bool)


def diag_group(codes: pd.Series) -> np.ndarray:
    """The usual grouping of the dataset's primary diagnosis into nine families."""
    s = codes.astype("str").str.strip()
    num = _numeric_icd9(s).to_numpy(dtype=float)
    first = s.str.slice(0, 1).to_numpy(dtype=object)
    icd10 = s.str.match(r"^[A-TV-Z]\d").fillna(False).to_numpy(bool) & ~s.str.match(r"^[VE]\d").fillna(
        False
    ).to_numpy(bool)
    is_e10_e14 = s.str.match(r"^E1[0-4]").fillna(False).to_numpy(bool)
    groups = np.select(
        [
            ((num >= 390) & (num < 460)) | (num == 785) | (icd10 & (first == "I")),
            ((num >= 460) & (num < 520)) | (num == 786) | (icd10 & (first == "J")),
            ((num >= 520) & (num < 580)) | (num == 787) | (icd10 & (first == "K")),
            ((num >= 250) & (num < 251)) | is_e10_e14,
            ((num >= 800) & (num < 1000)) | (icd10 & np.isin(first, ["S", "T"])),
            ((num >= 710) & (num < 740)) | (icd10 & (first == "M")),
            ((num >= 580) & (num < 630)) | (num == 788) | (icd10 & (first == "N")),
            ((num >= 140) & (num < 240)) | (icd10 & (first == "C")),
        ],
        [
            "circulatory",
            "respiratory",
            "digestive",
            "diabetes",
            "injury",
            "musculoskeletal",
            "genitourinary",
            "neoplasms",
        ],
        "other",
    )
    return groups.astype(object)


def comorbidity_score(diags: list[pd.Series]) -> np.ndarray:
    """Weighted count of distinct Charlson conditions among the encounter's diagnoses."""
    score = np.zeros(len(diags[0]), dtype=np.int64)
    for name, (_, _, weight) in _CONDITIONS.items():
        present = np.logical_or.reduce([in_condition(d, name) for d in diags])
        score += weight * present
    return score


def lace_score(
    los: np.ndarray, acute: np.ndarray, comorbidity: np.ndarray, ed_visits: np.ndarray
) -> np.ndarray:
    """LACE index (van Walraven 2010): Length of stay, Acuity, Comorbidity, Emergency visits; 0-19."""
    los = np.asarray(los)
    l_points = np.select([los < 1, los == 1, los == 2, los == 3, los <= 6, los <= 13], [0, 1, 2, 3, 4, 5], 7)
    c = np.asarray(comorbidity)
    c_points = np.where(c >= 4, 5, c)
    return l_points + 3 * np.asarray(acute, dtype=int) + c_points + np.minimum(np.asarray(ed_visits), 4)


def feature_frame(c: pd.DataFrame) -> pd.DataFrame:
    """The model's inputs from typed, de-identified columns.

    Expects: age, gender, the three code ids, the eight counts, diag_1..3, max_glu_serum, a1c_result,
    insulin, meds_up, meds_down, change ("Ch"/"No"), diabetes_med ("Yes"/"No").
    """
    diags = [c[f"diag_{i}"].fillna("").astype("str") for i in (1, 2, 3)]
    comorbidity = comorbidity_score(diags)
    adm_type = c["admission_type_id"].to_numpy()
    source = c["admission_source_id"].to_numpy()
    dispo = c["discharge_disposition_id"].to_numpy()
    acute = np.isin(adm_type, (1, 7)) | (source == 7)
    group1 = diag_group(diags[0])
    out = pd.DataFrame(
        {
            "age": c["age"].to_numpy(dtype=float),
            "gender_male": (c["gender"] == "Male").to_numpy().astype(int),
            **{k: c[k].to_numpy(dtype=np.int64) for k in COUNT_COLUMNS},
            "comorbidity_score": comorbidity,
            "lace_score": lace_score(
                c["time_in_hospital"].to_numpy(), acute, comorbidity, c["number_emergency"].to_numpy()
            ),
            "emergency_admission": np.isin(adm_type, (1, 7)).astype(int),
            "admitted_from_er": (source == 7).astype(int),
            "discharge_home": (dispo == 1).astype(int),
            "discharge_home_health": (dispo == 6).astype(int),
            "discharge_snf": np.isin(dispo, (3, 4, 23, 24)).astype(int),
            "discharge_rehab": (dispo == 22).astype(int),
            "discharge_transfer": np.isin(dispo, (2, 5, 15, 28)).astype(int),
            "discharge_ama": (dispo == 7).astype(int),
            "a1c_tested": (c["a1c_result"] != "None").to_numpy().astype(int),
            "a1c_high": (c["a1c_result"] == ">8").to_numpy().astype(int),
            "glu_high": c["max_glu_serum"].isin([">200", ">300"]).to_numpy().astype(int),
            "insulin_used": (c["insulin"] != "No").to_numpy().astype(int),
            "meds_up": c["meds_up"].to_numpy(dtype=np.int64),
            "meds_down": c["meds_down"].to_numpy(dtype=np.int64),
            "med_change": (c["change"] == "Ch").to_numpy().astype(int),
            "diabetes_med": (c["diabetes_med"] == "Yes").to_numpy().astype(int),
            "diag1_circulatory": (group1 == "circulatory").astype(int),
            "diag1_respiratory": (group1 == "respiratory").astype(int),
            "diag1_diabetes": (group1 == "diabetes").astype(int),
            "diag_any_heart_failure": np.logical_or.reduce(
                [in_condition(d, "heart_failure") for d in diags]
            ).astype(int),
            "diag_any_renal": np.logical_or.reduce([in_condition(d, "renal") for d in diags]).astype(int),
        }
    )
    return out[list(FEATURES)]
