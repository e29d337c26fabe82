"""Row rules, quarantine records and batch expectations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from domains.core.quality import Expectation, quarantine_frame, run_expectations, split_rows


def test_each_bad_row_gets_its_first_broken_rule_and_all_of_them() -> None:
    split = split_rows(
        4,
        {
            "missing": np.array([False, True, False, True]),
            "range": np.array([False, False, True, True]),
        },
    )
    assert split.valid.tolist() == [True, False, False, False]
    assert split.rule.tolist() == [None, "missing", "range", "missing"]
    assert split.failed_rules.tolist() == [None, "missing", "range", "missing,range"]
    assert split.counts == {"missing": 2, "range": 2}


def test_quarantine_keeps_the_raw_record_and_its_position() -> None:
    raw = pd.DataFrame({"amt": ["1.0", "abc", None], "id": ["a", "b", "c"]})
    split = split_rows(3, {"amount_not_numeric": np.array([False, True, True])})
    q = quarantine_frame(raw, split, "2026-11-20", "run-1", "sum")
    assert q["row_number"].tolist() == [1, 2]
    assert [json.loads(r) for r in q["record"]] == [{"amt": "abc", "id": "b"}, {"amt": None, "id": "c"}]
    assert set(q["rule"]) == {"amount_not_numeric"}


def test_expectations_report_what_failed() -> None:
    frame = pd.DataFrame({"id": [1, 2, 2], "amt": [1.0, 5.0, 500.0]})
    report = run_expectations(
        frame,
        "t",
        [
            Expectation("ExpectColumnValuesToBeUnique", {"column": "id"}),
            Expectation("ExpectColumnValuesToBeBetween", {"column": "amt", "min_value": 0, "max_value": 100}),
            Expectation("ExpectColumnToExist", {"column": "amt"}),
            Expectation("ExpectColumnToExist", {"column": "missing_col"}),
        ],
    )
    assert not report.success
    assert [r["success"] for r in report.results] == [False, False, True, False]
    assert "ExpectColumnValuesToBeUnique(id)" in report.describe_failures()


def test_mean_sum_and_spread_expectations_judge_numeric_and_decimal_columns() -> None:
    from decimal import Decimal

    # Numeric columns skip GX's value-by-value Decimal scan; object columns of Decimals still get it.
    frame = pd.DataFrame(
        {
            "flag": np.array([0, 1, 0, 0], dtype=np.int64),
            "amt": [Decimal("1.5"), Decimal("2.5"), Decimal("3.5"), Decimal("4.5")],
        }
    )
    suite = [
        Expectation("ExpectColumnMeanToBeBetween", {"column": "flag", "min_value": 0.0, "max_value": 0.2}),
        Expectation("ExpectColumnMeanToBeBetween", {"column": "flag", "min_value": 0.2, "max_value": 0.3}),
        Expectation("ExpectColumnSumToBeBetween", {"column": "amt", "min_value": 11.9, "max_value": 12.1}),
        Expectation("ExpectColumnStdevToBeBetween", {"column": "flag", "min_value": 0.4, "max_value": 0.6}),
    ]
    for _ in range(2):  # the second run finds GX already adjusted
        report = run_expectations(frame, "t", suite)
        assert [r["success"] for r in report.results] == [False, True, True, True]
        assert report.results[0]["observed"]["observed_value"] == 0.25


def test_to_number_gives_the_same_answer_on_its_fast_and_slow_paths() -> None:
    from domains.core.quality import to_number

    # Clean: one cast. Padding, "nan", "inf" and words force the pattern, which refuses the last three.
    clean = to_number(pd.Series(["1.5", "-2", "1e3", None, ".5"]))
    assert clean.tolist()[:3] == [1.5, -2.0, 1000.0] and pd.isna(clean[3]) and clean[4] == 0.5
    mixed = to_number(pd.Series([" 2 ", "nan", "inf", "abc", "+1.25", None, ""]))
    assert mixed[0] == 2.0 and mixed[4] == 1.25
    assert mixed[[1, 2, 3, 5, 6]].isna().all()
    assert pd.isna(to_number(pd.Series(["1", "NaN"]))[1])  # the cast accepts it; the pattern does not


def test_blank_means_missing_empty_or_only_whitespace_as_strip_judges_it() -> None:
    from domains.core.quality import blank, missing_any

    values = ["", " ", "\t\n", "\u00a0", "\u3000 ", " x ", "x", None, "0", "\u200b"]
    expected = [v is None or v.strip() == "" for v in values]
    assert blank(pd.Series(values, dtype="str")).tolist() == expected
    assert blank(pd.Series(values, dtype=object)).tolist() == expected
    # Non-text columns (numbers a source typed) are judged by their text.
    assert blank(pd.Series([1.5, None, 0.0])).tolist() == [False, True, False]
    cols = {"a": pd.Series(["x", " ", "y"], dtype="str"), "b": pd.Series(["x", "y", None], dtype="str")}
    assert missing_any(cols, ["a", "b"]).tolist() == [False, True, True]
    assert missing_any(cols, ["a"]).tolist() == [False, True, False]


def test_row_rules_in_two_halves_give_what_one_pass_gives() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from domains.core.quality import in_row_blocks

    def check(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        number = pd.to_numeric(raw["v"], errors="coerce")
        return pd.DataFrame({"v": number}), {"bad": number.isna().to_numpy(), "neg": (number < 0).to_numpy()}

    raw = pd.DataFrame({"v": ["1", "x", "-2", "3", None, "5", "-6"]}, index=range(10, 17))
    whole = check(raw)
    with ThreadPoolExecutor(1) as pool:
        halves = in_row_blocks(check, raw, pool, min_rows=0)
    pd.testing.assert_frame_equal(halves[0], whole[0])
    assert list(halves[1]) == ["bad", "neg"]
    for rule in whole[1]:
        assert halves[1][rule].tolist() == whole[1][rule].tolist()
    assert in_row_blocks(check, raw, None)[0].equals(whole[0])  # no pool: one pass


def test_column_expectations_judge_their_columns_and_table_ones_the_whole_frame_in_suite_order() -> None:
    frame = pd.DataFrame(
        {
            "id": [1.0, 2.0, 2.0, None],
            "v": [1.0, 5.0, 3.0, 4.0],
            "note": ["a", "b", None, "d"],
            "other": ["x"] * 4,
        }
    )
    suite = [
        Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": ["id", "v", "note", "other"]}),
        Expectation("ExpectColumnValuesToBeUnique", {"column": "id"}),
        Expectation("ExpectTableRowCountToBeBetween", {"min_value": 4, "max_value": 4}),
        Expectation("ExpectColumnValuesToBeBetween", {"column": "v", "min_value": 0, "max_value": 4}),
        Expectation("ExpectCompoundColumnsToBeUnique", {"column_list": ["id", "v"]}),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "missing_column"}),
    ]
    report = run_expectations(frame, "t", suite)
    assert [r["expectation"] for r in report.results] == [e.kind for e in suite]
    assert [r["success"] for r in report.results] == [True, False, True, False, True, False]
    assert report.results[3]["observed"]["unexpected_count"] == 1
    assert report.results[2]["observed"]["observed_value"] == 4
    assert "exception" in report.results[5]["observed"]
