"""Healthcare raw schema (the diabetes-130-hospitals layout plus a hospital extract's identifiers),
which raw column is which Safe Harbor identifier kind, and the de-identified warehouse tables."""

from __future__ import annotations

from domains.core import sources
from domains.core.quality import Expectation, quarantine_table
from domains.core.warehouse import TableDef

# The 23 medication columns of the public dataset, in its order.
MEDICATIONS: tuple[str, ...] = (
    "metformin",
    "repaglinide",
    "nateglinide",
    "chlorpropamide",
    "glimepiride",
    "acetohexamide",
    "glipizide",
    "glyburide",
    "tolbutamide",
    "pioglitazone",
    "rosiglitazone",
    "acarbose",
    "miglitol",
    "troglitazone",
    "tolazamide",
    "examide",
    "citoglipton",
    "insulin",
    "glyburide-metformin",
    "glipizide-metformin",
    "glimepiride-pioglitazone",
    "metformin-rosiglitazone",
    "metformin-pioglitazone",
)
MED_VALUES: tuple[str, ...] = ("No", "Steady", "Up", "Down")

DATASET_COLUMNS: tuple[str, ...] = (
    "encounter_id",
    "patient_nbr",
    "race",
    "gender",
    "age",
    "weight",
    "admission_type_id",
    "discharge_disposition_id",
    "admission_source_id",
    "time_in_hospital",
    "payer_code",
    "medical_specialty",
    "num_lab_procedures",
    "num_procedures",
    "num_medications",
    "number_outpatient",
    "number_emergency",
    "number_inpatient",
    "diag_1",
    "diag_2",
    "diag_3",
    "number_diagnoses",
    "max_glu_serum",
    "A1Cresult",
    *MEDICATIONS,
    "change",
    "diabetesMed",
    "readmitted",
)

# What a real hospital extract carries beside the dataset's columns, each mapped to its Safe Harbor
# kind (domains.core.privacy.SAFE_HARBOR_KINDS). encounter_id and patient_nbr are identifiers too.
IDENTIFIER_COLUMNS: dict[str, str] = {
    "patient_name": "name",
    "ssn": "ssn",
    "date_of_birth": "date",
    "address": "geographic_subdivision",
    "zip": "geographic_subdivision",
    "phone": "phone",
    "email": "email",
    "mrn": "medical_record_number",
    "admission_date": "date",
    "discharge_date": "date",
    "encounter_id": "other_unique_identifier",
    "patient_nbr": "other_unique_identifier",
}
RAW_COLUMNS: tuple[str, ...] = (
    *DATASET_COLUMNS,
    "patient_name",
    "ssn",
    "date_of_birth",
    "address",
    "zip",
    "phone",
    "email",
    "mrn",
    "admission_date",
    "discharge_date",
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "encounter_id",
    "patient_nbr",
    "gender",
    "admission_type_id",
    "discharge_disposition_id",
    "admission_source_id",
    "time_in_hospital",
    "num_lab_procedures",
    "num_procedures",
    "num_medications",
    "number_outpatient",
    "number_emergency",
    "number_inpatient",
    "diag_1",
    "number_diagnoses",
    "readmitted",
    "admission_date",
    "discharge_date",
)
RAW_LINE_COLUMN = sources.RAW_LINE_COLUMN
COUNT_COLUMNS: tuple[str, ...] = (
    "time_in_hospital",
    "num_lab_procedures",
    "num_procedures",
    "num_medications",
    "number_outpatient",
    "number_emergency",
    "number_inpatient",
    "number_diagnoses",
)
CODE_COLUMNS: tuple[str, ...] = ("admission_type_id", "discharge_disposition_id", "admission_source_id")
GENDERS: tuple[str, ...] = ("Female", "Male", "Unknown/Invalid")
READMITTED: tuple[str, ...] = ("<30", ">30", "NO")
# Discharged dead or to hospice: they cannot be readmitted, so they are kept out of the model.
NOT_AT_RISK_DISPOSITIONS: frozenset[int] = frozenset({11, 13, 14, 19, 20, 21})
DIAG_GROUPS: tuple[str, ...] = (
    "circulatory",
    "respiratory",
    "digestive",
    "diabetes",
    "injury",
    "musculoskeletal",
    "genitourinary",
    "neoplasms",
    "other",
)
K_ANONYMITY = 11  # the usual small-cell threshold for published health statistics

# The model reads only these de-identified columns (race is kept in silver for equity reporting,
# never as a feature).
FEATURES: tuple[str, ...] = (
    "age",
    "gender_male",
    "time_in_hospital",
    "num_lab_procedures",
    "num_procedures",
    "num_medications",
    "number_outpatient",
    "number_emergency",
    "number_inpatient",
    "number_diagnoses",
    "comorbidity_score",
    "lace_score",
    "emergency_admission",
    "admitted_from_er",
    "discharge_home",
    "discharge_home_health",
    "discharge_snf",
    "discharge_rehab",
    "discharge_transfer",
    "discharge_ama",
    "a1c_tested",
    "a1c_high",
    "glu_high",
    "insulin_used",
    "meds_up",
    "meds_down",
    "med_change",
    "diabetes_med",
    "diag1_circulatory",
    "diag1_respiratory",
    "diag1_diabetes",
    "diag_any_heart_failure",
    "diag_any_renal",
)

SILVER = TableDef(
    "healthcare_silver_encounters",
    {
        "ds": "date",
        "encounter_key": "str",
        "patient_key": "str",
        "race": "str",
        "gender": "str",
        "age_band": "str",
        "zip3": "str",
        "admission_year": "int",
        "payer_code": "str",
        "medical_specialty": "str",
        "admission_type_id": "int",
        "discharge_disposition_id": "int",
        "admission_source_id": "int",
        "diag_1": "str",
        "diag_2": "str",
        "diag_3": "str",
        "diag_1_group": "str",
        "max_glu_serum": "str",
        "a1c_result": "str",
        "insulin": "str",
        "metformin": "str",
        "readmitted": "str",
        "readmitted_30d": "int",
        "at_risk": "int",
        **{f: ("float" if f == "age" else "int") for f in FEATURES},
        "source_checksum": "str",
    },
    indexes=(("patient_key",),),
)

GOLD_DAILY = TableDef(
    "healthcare_gold_daily",
    {
        "ds": "date",
        "encounters": "int",
        "patients": "int",
        "readmitted_30d_rate": "float",
        "readmitted_any_rate": "float",
        "avg_length_of_stay": "float",
        "avg_lace_score": "float",
        "high_lace_share": "float",
        "quarantined": "int",
        "quarantine_share": "float",
        "groups_suppressed": "int",
    },
)

# Readmission by one dimension at a time; groups smaller than K_ANONYMITY are not published.
GOLD_GROUPS = TableDef(
    "healthcare_gold_groups_daily",
    {
        "ds": "date",
        "dimension": "str",
        "group_value": "str",
        "encounters": "int",
        "readmitted_30d_rate": "float",
        "avg_length_of_stay": "float",
        "avg_lace_score": "float",
    },
)

# Written by validate: the champion on the day's encounters, overall and by sex and age band.
GOLD_MODEL = TableDef(
    "healthcare_gold_model_daily",
    {
        "ds": "date",
        "model_version": "str",
        "scored": "int",
        "mean_risk": "float",
        "observed_30d_rate": "float",
        "high_band_share": "float",
        "roc_auc": "float",
        "brier": "float",
        "auc_gap_gender": "float",
        "auc_gap_age_band": "float",
        "phi_findings": "int",
    },
)
GOLD_FAIRNESS = TableDef(
    "healthcare_gold_fairness_daily",
    {
        "ds": "date",
        "model_version": "str",
        "dimension": "str",
        "group_value": "str",
        "encounters": "int",
        "observed_30d_rate": "float",
        "mean_risk": "float",
        "roc_auc": "float",
    },
)

QUARANTINE = quarantine_table("healthcare")


def silver_expectations(min_rows: int) -> list[Expectation]:
    """Batch-level checks on the de-identified partition; any failure stops the run before load."""
    return [
        Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": list(SILVER.columns)}),
        Expectation("ExpectTableRowCountToBeBetween", {"min_value": min_rows}),
        Expectation("ExpectColumnValuesToBeUnique", {"column": "encounter_key"}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "patient_key"}),
        Expectation("ExpectColumnValuesToBeInSet", {"column": "readmitted", "value_set": list(READMITTED)}),
        Expectation("ExpectColumnValuesToBeBetween", {"column": "age", "min_value": 0, "max_value": 90}),
        Expectation(
            "ExpectColumnValuesToBeBetween", {"column": "time_in_hospital", "min_value": 1, "max_value": 14}
        ),
        Expectation("ExpectColumnValueLengthsToEqual", {"column": "zip3", "value": 3}),
        Expectation(
            "ExpectColumnValuesToBeInSet", {"column": "diag_1_group", "value_set": list(DIAG_GROUPS)}
        ),
        # A day with no readmissions at all, or mostly readmissions, is a broken feed.
        Expectation(
            "ExpectColumnMeanToBeBetween", {"column": "readmitted_30d", "min_value": 0.01, "max_value": 0.5}
        ),
    ]
