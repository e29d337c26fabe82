"""HR raw sources: an HRIS export with survey comments, or a deterministic synthetic workforce.

The synthetic workforce is fixed (the same employees, numbers, names and e-mail addresses every
week); each weekly snapshot re-asks the satisfaction questions with some noise and collects new
survey comments. Attrition follows the dataset's known drivers: overtime, low job and environment
satisfaction, low income for the level, few years at the company, frequent travel, being single,
long commutes and stalled promotions, with interactions. Comments follow each employee's situation:
positive, negative, negated ("not happy"), mixed and neutral, a few carrying a name, an e-mail
address or a phone number that must be redacted. A small share of rows is dirty.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
import pyarrow as pa

from domains.core import sources
from domains.core.bronze import checksum_table
from domains.core.sources import RawExtract
from domains.hr.schema import CATEGORIES, RAW_COLUMNS, RAW_LINE_COLUMN

GENERATOR_VERSION = "hr-synth-1"
WORKFORCE = 2000

FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Isabella",
    "Mason",
    "Mia",
    "Ethan",
    "Amelia",
    "Logan",
    "Harper",
    "Aiden",
    "Evelyn",
    "Jacob",
    "Abigail",
    "Carter",
    "Ella",
    "Owen",
    "Aria",
    "Wyatt",
    "Chloe",
    "Julian",
    "Grace",
    "Levi",
    "Zoe",
    "Isaac",
    "Nora",
    "Caleb",
]
LAST = [
    "Patel",
    "Kowalski",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Haddad",
    "Novak",
    "Fischer",
    "Romero",
    "Sullivan",
    "Ivanova",
    "Mensah",
    "Castillo",
    "Bergman",
    "Dubois",
    "Nakamura",
    "Schulz",
    "Ferreira",
    "OBrien",
    "Kaur",
    "Horvat",
    "Silva",
    "Andersen",
]

_POSITIVE = (
    "I really enjoy working with my team.",
    "Great manager, supportive and fair.",
    "Love the projects I am working on.",
    "The flexible hours make a huge difference, thank you!",
    "I feel valued and my work is recognised.",
    "Good training opportunities this year.",
)
_NEGATIVE = (
    "Too much overtime, I am exhausted.",
    "I feel burned out and underpaid.",
    "My workload is unbearable and nobody listens.",
    "No recognition for the extra hours, very frustrating.",
    "The commute is killing me and there is no remote option.",
    "I have been stuck in the same role for years with no promotion.",
)
_NEGATED_NEGATIVE = (
    "I am not happy with how things are going.",
    "The team is not supportive anymore.",
    "I don't feel appreciated here.",
    "Never enough time to do the job properly.",
)
_NEGATED_POSITIVE = ("Not bad at all, the new process works.", "No complaints about my manager.")
_MIXED = (
    "I like my colleagues but the pay is terrible.",
    "Interesting work, however the hours are awful.",
    "Good team, bad management.",
)
_NEUTRAL = (
    "Nothing to add this week.",
    "The survey is fine.",
    "Workload is about the same as usual.",
    "No changes in my role.",
)
_PII = (
    "Please ask {name} to call me back.",
    "You can reach me at {email} about this.",
    "Call me on {phone} if you want details.",
    "My manager {name} is great.",
)


def read_file_source(path_template: str, ds: str) -> RawExtract:
    """Read an HRIS export (CSV/Parquet) in the raw schema; `{ds}` in the path selects a per-week file."""
    return sources.read_file_source(path_template, ds, RAW_COLUMNS, "HR_SOURCE")


def _rng(*key: object) -> np.random.Generator:
    digest = hashlib.sha256("/".join(map(str, (GENERATOR_VERSION, *key))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _pick(
    rng: np.random.Generator, options: tuple[str, ...], n: int, p: tuple[float, ...] | None = None
) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), n, p=p)]


@lru_cache(maxsize=2)
def workforce(n: int = WORKFORCE) -> dict[str, np.ndarray]:
    """The fixed employees: identity, job, pay and history, and whether they will leave."""
    rng = _rng("workforce", n)
    age = np.clip(rng.normal(37, 9, n), 18, 60).astype(int)
    dept = _pick(rng, CATEGORIES["Department"], n, (0.04, 0.65, 0.31))
    roles_by_dept = {
        "Human Resources": ("Human Resources", "Manager"),
        "Research & Development": (
            "Research Scientist",
            "Laboratory Technician",
            "Manufacturing Director",
            "Healthcare Representative",
            "Research Director",
            "Manager",
        ),
        "Sales": ("Sales Executive", "Sales Representative", "Manager"),
    }
    role = np.array(
        [roles_by_dept[d][int(rng.integers(0, len(roles_by_dept[d])))] for d in dept], dtype=object
    )
    level = np.clip(1 + (age - 18) // 9 + rng.integers(-1, 2, n), 1, 5)
    level = np.where(np.isin(role, ("Manager", "Research Director")), np.maximum(level, 4), level)
    level = np.where(
        np.isin(role, ("Sales Representative", "Laboratory Technician")), np.minimum(level, 2), level
    )
    income = np.clip(level * 3200 + rng.normal(0, 1300, n) + (age - 35) * 40, 1009, 19999).astype(int)
    total_years = np.clip(age - 18 - rng.integers(0, 6, n), 0, 40)
    at_company = np.clip((total_years * rng.beta(2, 3, n)).astype(int), 0, 40)
    in_role = np.clip((at_company * rng.beta(2, 2, n)).astype(int), 0, 18)
    since_promo = np.clip((in_role * rng.beta(1.5, 2, n)).astype(int), 0, 15)
    with_manager = np.clip((in_role * rng.beta(2, 1.5, n)).astype(int), 0, 17)
    overtime = rng.random(n) < 0.28
    travel = _pick(rng, CATEGORIES["BusinessTravel"], n, (0.1, 0.71, 0.19))
    marital = _pick(rng, CATEGORIES["MaritalStatus"], n, (0.22, 0.46, 0.32))
    distance = np.clip(rng.gamma(1.3, 7, n), 1, 29).astype(int)
    stock = np.where(marital == "Single", 0, rng.choice(4, n, p=(0.35, 0.45, 0.12, 0.08)))
    base_job_sat = rng.choice([1, 2, 3, 4], n, p=(0.2, 0.19, 0.3, 0.31))
    base_env_sat = rng.choice([1, 2, 3, 4], n, p=(0.19, 0.2, 0.31, 0.3))
    wlb = rng.choice([1, 2, 3, 4], n, p=(0.05, 0.23, 0.61, 0.11))
    companies = np.clip(rng.poisson(2.5, n), 0, 9)
    latent = rng.normal(0, 0.4, n)
    # The attrition process (logit): the dataset's drivers, an overtime x low-pay interaction, and
    # the early-tenure cliff, which a linear score cannot draw.
    z = (
        -3.3
        + 1.0 * overtime
        + 0.45 * (base_job_sat == 1)
        + 0.4 * (base_env_sat == 1)
        + 0.45 * (wlb == 1)
        - 0.00006 * (income - 6500)
        + 2.2 * (overtime & (income < 3500))
        + 2.0 * (at_company <= 1)
        + 0.5 * (travel == "Travel_Frequently")
        + 1.2 * ((travel == "Travel_Frequently") & (distance > 15))
        + 0.4 * (marital == "Single")
        + 1.3 * ((marital == "Single") & (age < 28))
        + 0.08 * companies
        - 0.3 * (stock > 0)
        + 0.45 * (role == "Sales Representative")
        + 0.35 * (since_promo >= 7)
        + latent
    )
    leaves = rng.random(n) < 1 / (1 + np.exp(-z))
    first = np.asarray(FIRST, dtype=object)[rng.integers(0, len(FIRST), n)]
    last = np.asarray(LAST, dtype=object)[rng.integers(0, len(LAST), n)]
    number = 1 + np.arange(n) * 3 + rng.integers(0, 3, n)
    return {
        "EmployeeNumber": number.astype(str).astype(object),
        "first": first,
        "last": last,
        "EmployeeName": (first + " " + last).astype(object),
        "Email": np.array(
            [
                f"{f.lower()}.{sur.lower()}{i}@acme-corp.com"
                for i, (f, sur) in enumerate(zip(first, last, strict=True))
            ],
            dtype=object,
        ),
        "Age": age,
        "Department": dept,
        "JobRole": role,
        "JobLevel": level,
        "MonthlyIncome": income,
        "TotalWorkingYears": total_years,
        "YearsAtCompany": at_company,
        "YearsInCurrentRole": in_role,
        "YearsSinceLastPromotion": since_promo,
        "YearsWithCurrManager": with_manager,
        "OverTime": np.where(overtime, "Yes", "No").astype(object),
        "BusinessTravel": travel,
        "MaritalStatus": marital,
        "DistanceFromHome": distance,
        "StockOptionLevel": stock,
        "JobSatisfaction": base_job_sat,
        "EnvironmentSatisfaction": base_env_sat,
        "WorkLifeBalance": wlb,
        "NumCompaniesWorked": companies,
        "Gender": _pick(rng, CATEGORIES["Gender"], n, (0.4, 0.6)),
        "Education": rng.choice([1, 2, 3, 4, 5], n, p=(0.12, 0.19, 0.39, 0.27, 0.03)),
        "EducationField": _pick(rng, CATEGORIES["EducationField"], n, (0.02, 0.41, 0.11, 0.32, 0.05, 0.09)),
        "DailyRate": rng.integers(102, 1500, n),
        "HourlyRate": rng.integers(30, 101, n),
        "MonthlyRate": rng.integers(2094, 27000, n),
        "JobInvolvement": rng.choice([1, 2, 3, 4], n, p=(0.06, 0.25, 0.59, 0.1)),
        "PercentSalaryHike": np.clip(rng.normal(15, 3.6, n), 11, 25).astype(int),
        "PerformanceRating": np.where(rng.random(n) < 0.15, 4, 3),
        "RelationshipSatisfaction": rng.choice([1, 2, 3, 4], n, p=(0.19, 0.21, 0.31, 0.29)),
        "TrainingTimesLastYear": np.clip(rng.poisson(2.8, n), 0, 6),
        "Attrition": np.where(leaves, "Yes", "No").astype(object),
        "mood": -(1.3 * overtime + 0.6 * (base_job_sat == 1) + 0.5 * (wlb == 1))
        + 0.8 * (base_job_sat == 4)
        + latent,
    }


def comment(rng: np.random.Generator, mood: float, name: str, email: str) -> str | None:
    """A survey comment whose tone follows the employee's situation (None: no comment this week)."""
    if rng.random() < 0.3:
        return None
    tone = mood + rng.normal(0, 0.8)
    if rng.random() < 0.12:
        bank = _MIXED
    elif tone < -0.9:
        bank = _NEGATIVE if rng.random() < 0.7 else _NEGATED_NEGATIVE
    elif tone > 0.6:
        bank = _POSITIVE if rng.random() < 0.85 else _NEGATED_POSITIVE
    else:
        bank = _NEUTRAL
    text = str(bank[int(rng.integers(0, len(bank)))])
    if rng.random() < 0.03:  # a few comments name someone or leave contact details
        phone = f"({rng.integers(201, 990)}) {rng.integers(200, 990)}-{rng.integers(0, 10000):04d}"
        extra = str(_PII[int(rng.integers(0, len(_PII)))]).format(name=name, email=email, phone=phone)
        text = f"{text} {extra}"
    return text


def generate_day(ds: str, rows: int = WORKFORCE, dirty_share: float = 0.01) -> RawExtract:
    """The weekly snapshot of the workforce as of `ds` (rows = workforce size), same on every machine."""
    rng = _rng("snapshot", ds, rows)
    w = workforce(rows)
    n = rows
    cols: dict[str, np.ndarray] = {
        c: np.asarray(w[c]).astype(str).astype(object) for c in RAW_COLUMNS if c in w
    }
    # This week's survey answers: mostly last week's, sometimes a step up or down.
    for c in ("JobSatisfaction", "EnvironmentSatisfaction"):
        step = rng.choice([-1, 0, 1], n, p=(0.08, 0.84, 0.08))
        cols[c] = np.clip(np.asarray(w[c]) + step, 1, 4).astype(str).astype(object)
    names = w["EmployeeName"]
    others = names[rng.integers(0, n, n)]
    cols["SurveyComment"] = np.array(
        [
            comment(rng, float(m), str(o), str(e))
            for m, o, e in zip(w["mood"], others, w["Email"], strict=True)
        ],
        dtype=object,
    )
    cols = _inject_dirty(rng, cols, dirty_share)
    count = len(cols["EmployeeNumber"])
    table = pa.table({c: pa.array(cols[c], type=pa.string()) for c in RAW_COLUMNS})
    table = table.append_column(RAW_LINE_COLUMN, pa.nulls(count, pa.string()))
    return RawExtract(table, checksum_table(table), f"synthetic:{GENERATOR_VERSION}:{ds}")


def _inject_dirty(rng: np.random.Generator, cols: dict[str, np.ndarray], share: float) -> dict:
    """Impossible ages and incomes, unknown labels and departments, missing and re-sent employee numbers."""
    n = len(cols["EmployeeNumber"])
    k = round(n * share)
    if k == 0:
        return cols
    out = {c: np.asarray(v, dtype=object).copy() for c, v in cols.items()}
    for row, kind in zip(rng.choice(n, size=k, replace=False), rng.integers(0, 6, k), strict=True):
        if kind == 0:
            out["Age"][row] = ("17", "130", "thirty", "")[int(rng.integers(0, 4))]
        elif kind == 1:
            out["MonthlyIncome"][row] = ("-2500", "0", "n/a")[int(rng.integers(0, 3))]
        elif kind == 2:
            out["Attrition"][row] = ("Maybe", "1", "")[int(rng.integers(0, 3))]
        elif kind == 3:
            out["Department"][row] = "Marketing & Growth"
        elif kind == 4:
            out["EmployeeNumber"][row] = None
        else:
            out["EmployeeNumber"][row] = out["EmployeeNumber"][(row + 1) % n]  # a re-sent employee
    return out
