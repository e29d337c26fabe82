"""HR raw schema (the IBM HR attrition layout plus the identity and survey columns an HRIS export
carries), the snake_case silver names, and the anonymised warehouse tables."""

from __future__ import annotations

import re

from domains.core import sources
from domains.core.quality import Expectation, quarantine_table
from domains.core.warehouse import TableDef

# Integer columns of the dataset with the range a valid value falls in.
INT_RANGES: dict[str, tuple[int, int]] = {
    "Age": (18, 70),
    "DailyRate": (1, 5000),
    "DistanceFromHome": (0, 200),
    "Education": (1, 5),
    "EnvironmentSatisfaction": (1, 4),
    "HourlyRate": (1, 500),
    "JobInvolvement": (1, 4),
    "JobLevel": (1, 5),
    "JobSatisfaction": (1, 4),
    "MonthlyIncome": (500, 100_000),
    "MonthlyRate": (1, 100_000),
    "NumCompaniesWorked": (0, 30),
    "PercentSalaryHike": (0, 100),
    "PerformanceRating": (1, 4),
    "RelationshipSatisfaction": (1, 4),
    "StockOptionLevel": (0, 3),
    "TotalWorkingYears": (0, 55),
    "TrainingTimesLastYear": (0, 20),
    "WorkLifeBalance": (1, 4),
    "YearsAtCompany": (0, 55),
    "YearsInCurrentRole": (0, 55),
    "YearsSinceLastPromotion": (0, 55),
    "YearsWithCurrManager": (0, 55),
}
CATEGORIES: dict[str, tuple[str, ...]] = {
    "Attrition": ("Yes", "No"),
    "BusinessTravel": ("Non-Travel", "Travel_Rarely", "Travel_Frequently"),
    "Department": ("Human Resources", "Research & Development", "Sales"),
    "EducationField": (
        "Human Resources",
        "Life Sciences",
        "Marketing",
        "Medical",
        "Other",
        "Technical Degree",
    ),
    "Gender": ("Female", "Male"),
    "JobRole": (
        "Healthcare Representative",
        "Human Resources",
        "Laboratory Technician",
        "Manager",
        "Manufacturing Director",
        "Research Director",
        "Research Scientist",
        "Sales Executive",
        "Sales Representative",
    ),
    "MaritalStatus": ("Divorced", "Married", "Single"),
    "OverTime": ("Yes", "No"),
}
DATASET_COLUMNS: tuple[str, ...] = tuple(sorted((*INT_RANGES, *CATEGORIES)))
IDENTITY_COLUMNS: tuple[str, ...] = ("EmployeeNumber", "EmployeeName", "Email")
RAW_COLUMNS: tuple[str, ...] = (*DATASET_COLUMNS, *IDENTITY_COLUMNS, "SurveyComment")
REQUIRED_COLUMNS: tuple[str, ...] = (*DATASET_COLUMNS, "EmployeeNumber")
RAW_LINE_COLUMN = sources.RAW_LINE_COLUMN
K_ANONYMITY = 5


def snake(name: str) -> str:
    """IBM column name to its silver name: MonthlyIncome -> monthly_income, OverTime -> over_time."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


FEATURES: tuple[str, ...] = (
    *(snake(c) for c in INT_RANGES),
    "over_time_yes",
    "travel_frequently",
    "travel_rarely",
    "single",
    "gender_male",
    "dept_sales",
    "dept_rd",
    "role_sales_representative",
    "role_laboratory_technician",
    "role_manager_or_director",
    "comment_sentiment",
    "has_comment",
)

SILVER = TableDef(
    "hr_silver_employees",
    {
        "ds": "date",
        "employee_key": "str",
        "age_band": "str",
        **{snake(c): "str" for c in CATEGORIES if c != "Attrition"},
        "attrition": "int",
        **{f: ("float" if f == "comment_sentiment" else "int") for f in FEATURES},
        "comment": "str",
        "comment_label": "str",
        "comment_redactions": "int",
        "source_checksum": "str",
    },
    indexes=(("employee_key",),),
)

GOLD_WEEKLY = TableDef(
    "hr_gold_weekly",
    {
        "ds": "date",
        "employees": "int",
        "attrition_rate": "float",
        "overtime_share": "float",
        "comments": "int",
        "avg_sentiment": "float",
        "negative_comment_share": "float",
        "comment_redactions": "int",
        "groups_published": "int",
        "groups_suppressed": "int",
        "quarantined": "int",
        "quarantine_share": "float",
    },
)

# Published only for groups of at least K_ANONYMITY employees (department x age band x gender).
GOLD_GROUPS = TableDef(
    "hr_gold_groups",
    {
        "ds": "date",
        "department": "str",
        "age_band": "str",
        "gender": "str",
        "employees": "int",
        "attrition_rate": "float",
        "avg_monthly_income": "float",
        "avg_job_satisfaction": "float",
        "avg_sentiment": "float",
    },
)

# The sentiment trend by department (k-anonymous too): this week and the change since the last one.
GOLD_DEPARTMENT_SENTIMENT = TableDef(
    "hr_gold_department_sentiment",
    {
        "ds": "date",
        "department": "str",
        "employees": "int",
        "comments": "int",
        "avg_sentiment": "float",
        "negative_share": "float",
        "avg_sentiment_prev": "float",
        "sentiment_change": "float",
    },
)

# Written by validate: the champion's risk distribution and the week's privacy checks.
GOLD_MODEL = TableDef(
    "hr_gold_model_weekly",
    {
        "ds": "date",
        "model_version": "str",
        "scored": "int",
        "mean_risk": "float",
        "risk_p50": "float",
        "risk_p90": "float",
        "high_risk_share": "float",
        "observed_attrition_rate": "float",
        "roc_auc": "float",
        "k_anonymity_violations": "int",
        "pii_findings": "int",
    },
)

QUARANTINE = quarantine_table("hr")


def silver_expectations(min_rows: int) -> list[Expectation]:
    """Batch-level checks on the anonymised snapshot; any failure stops the run before load."""
    return [
        Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": list(SILVER.columns)}),
        Expectation("ExpectTableRowCountToBeBetween", {"min_value": min_rows}),
        Expectation("ExpectColumnValuesToBeUnique", {"column": "employee_key"}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "employee_key"}),
        Expectation("ExpectColumnValuesToBeInSet", {"column": "attrition", "value_set": [0, 1]}),
        Expectation("ExpectColumnValuesToBeBetween", {"column": "age", "min_value": 18, "max_value": 70}),
        Expectation(
            "ExpectColumnValuesToBeBetween", {"column": "comment_sentiment", "min_value": -1, "max_value": 1}
        ),
        Expectation(
            "ExpectColumnMeanToBeBetween", {"column": "attrition", "min_value": 0.02, "max_value": 0.5}
        ),
    ]
