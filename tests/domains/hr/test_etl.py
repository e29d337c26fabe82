"""HR transform: anonymisation, comment redaction and sentiment, k-anonymous publishing, rules."""

from __future__ import annotations

import pandas as pd
import pytest

from domains.core import privacy, text
from domains.core.pipeline import make_context
from domains.core.quality import quarantine_frame, split_rows
from domains.hr import etl
from domains.hr.source import generate_day, workforce

DS = "2026-11-16"
SECRET = "test-pseudonym-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return generate_day(DS, 2000, 0.02).table.to_pandas()


def _transform(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = etl.known_names(raw)
    typed, failures = etl.parse_and_check(raw)
    split = split_rows(len(raw), failures)
    quarantine = quarantine_frame(etl.anonymise_raw(raw, SECRET, names), split, DS, "run", "sum")
    return etl.build_silver(raw, typed, split.valid, DS, "sum", SECRET, names), quarantine


def test_names_emails_and_numbers_never_reach_silver_or_quarantine(raw: pd.DataFrame) -> None:
    silver, quarantine = _transform(raw)
    assert len(silver) + len(quarantine) == len(raw) and len(quarantine) > 0
    assert not {"EmployeeName", "Email", "EmployeeNumber"} & set(silver.columns)
    scanner = privacy.PhiScanner(known_names=frozenset(etl.known_names(raw)))
    scanner.scan_frame("silver", silver).scan_frame("quarantine", quarantine)
    assert scanner.clean, scanner.summary()
    # Comments that carried a name, e-mail or phone number were redacted, not dropped.
    redacted = silver.loc[silver["comment_redactions"] > 0, "comment"]
    assert len(redacted) > 0 and redacted.str.contains(r"\[(?:NAME|EMAIL|PHONE)\]").all()


def test_employee_keys_are_stable_across_weeks_and_change_with_the_secret() -> None:
    a = etl.employee_key(pd.Series(workforce()["EmployeeNumber"][:5]), SECRET)
    b = etl.employee_key(
        pd.Series(generate_day("2026-11-23").table.column("EmployeeNumber").to_pylist()[:5]), SECRET
    )
    assert a.tolist() == b.tolist()
    assert (
        a.tolist()
        != etl.employee_key(pd.Series(workforce()["EmployeeNumber"][:5]), "other-secret-xyz").tolist()
    )


def test_rules_on_crafted_rows(raw: pd.DataFrame) -> None:
    rows = raw.loc[split_rows(len(raw), etl.parse_and_check(raw)[1]).valid].head(6).reset_index(drop=True)
    rows.loc[0, "Age"] = "17"
    rows.loc[1, "MonthlyIncome"] = "n/a"
    rows.loc[2, "Department"] = "Marketing & Growth"
    rows.loc[3, "EmployeeNumber"] = "E-12"
    rows.loc[4, "EmployeeNumber"] = rows.loc[5, "EmployeeNumber"]
    split = split_rows(len(rows), etl.parse_and_check(rows)[1])
    assert split.rule.tolist() == [
        "out_of_range",
        "not_a_number",
        "unknown_category",
        "malformed_employee_number",
        None,
        "duplicate_employee",
    ]


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("I really enjoy working with my team.", "positive"),
        ("Too much overtime, I am exhausted.", "negative"),
        ("I am not happy with how things are going.", "negative"),
        ("Workload is about the same as usual.", "neutral"),
        ("Not bad at all, the new process works.", "positive"),
    ],
)
def test_sentiment_of_known_sentences(sentence: str, label: str) -> None:
    assert text.vader_label(text.vader_compound([sentence])[0]) == label


def test_groups_below_k_are_not_published(raw: pd.DataFrame, isolated_env) -> None:
    silver, _ = _transform(raw)
    gold = etl.build_gold(make_context("hr", DS), silver, 0)
    assert (gold["gold_groups"]["employees"] >= 5).all()
    assert gold["gold_weekly"]["groups_suppressed"][0] > 0
    assert (gold["gold_department_sentiment"]["comments"] >= 5).all()
    small = etl.build_gold(make_context("hr", DS), silver.head(12), 0)
    assert small["gold_groups"].empty or (small["gold_groups"]["employees"] >= 5).all()
