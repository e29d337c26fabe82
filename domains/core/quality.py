"""Row rules that route bad rows to quarantine with their reason, and batch expectations (GX 1.x)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype

from domains.core.errors import PermanentError
from domains.core.fixed_text import arrow_text
from domains.core.logs import get_logger
from domains.core.warehouse import TableDef

log = get_logger(__name__)

QUARANTINE_COLUMNS = {
    "ds": "date",
    "run_id": "str",
    "source_checksum": "str",
    "row_number": "int",
    "rule": "str",
    "failed_rules": "str",
    "record": "json",
    "quarantined_at": "datetime",
}


def quarantine_table(domain: str) -> TableDef:
    """Every domain's quarantine has the same shape: the raw record as JSON plus why it was rejected."""
    return TableDef(f"{domain}_quarantine", QUARANTINE_COLUMNS, indexes=(("rule",),))


class DataQualityError(PermanentError):
    """A batch broke an expectation; the run stops before anything is loaded."""


@dataclass
class RowSplit:
    """Which raw rows pass every rule, and for the others the first rule they broke."""

    valid: np.ndarray
    rule: pd.Series
    failed_rules: pd.Series
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def n_quarantined(self) -> int:
        return int((~self.valid).sum())


def raw_columns(raw: pd.DataFrame, names: Sequence[str]) -> dict[str, pd.Series]:
    """Each named raw column as text; a column the source lacks is all missing (and fails its rules)."""
    missing = pd.Series(pd.NA, index=raw.index, dtype="str")
    return {c: raw[c] if c in raw.columns else missing for c in names}


NUMBER_PATTERN = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


def to_number(values: pd.Series) -> pd.Series:
    """Text to float64, NaN where it is not a number (pd.to_numeric(errors="coerce"), vectorised in Arrow)."""
    text = arrow_text(values)
    # Fast path for a clean column: one cast, no regex. Arrow's cast also takes "nan" and "inf" (the
    # pattern does not) and refuses padding (the pattern allows it), so only an all-finite result is
    # the same as the pattern's; anything else goes the long way.
    try:
        direct = pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        direct = None
    if direct is not None and pc.all(pc.is_finite(direct), skip_nulls=True).as_py() is not False:
        return pd.Series(direct.to_numpy(zero_copy_only=False), index=values.index)
    ok = pc.fill_null(pc.match_substring_regex(text, NUMBER_PATTERN), False)
    parsed = pc.cast(pc.utf8_trim_whitespace(pc.if_else(ok, text, "0")), pa.float64())
    return pd.Series(pc.if_else(ok, parsed, None).to_numpy(zero_copy_only=False), index=values.index)


def unparseable_rows(raw: pd.DataFrame) -> np.ndarray:
    """Lines the CSV reader could not split, kept whole in the raw-line column."""
    from domains.core.sources import RAW_LINE_COLUMN

    if RAW_LINE_COLUMN not in raw.columns:
        return np.zeros(len(raw), dtype=bool)
    return raw[RAW_LINE_COLUMN].notna().to_numpy()


def blank(values: pd.Series) -> np.ndarray:
    """Null, empty or only whitespace (Unicode White_Space, as `str.strip` in Arrow-backed pandas).

    `utf8_is_space` stops at the first non-blank character, so a normal value costs one byte read;
    stripping every value and comparing it with "" copied each column and cost 3x as much.
    """
    text = arrow_text(values)
    empty = pc.equal(pc.binary_length(text), 0)
    return pc.fill_null(pc.or_(empty, pc.utf8_is_space(text)), True).to_numpy(zero_copy_only=False)


def missing_any(columns: Mapping[str, pd.Series], required: Sequence[str]) -> np.ndarray:
    """Rows where any required column is null or blank."""
    return np.logical_or.reduce([blank(columns[c]) for c in required])


# Below this many rows a second thread costs more than it saves.
PARALLEL_MIN_ROWS = 50_000


def in_row_blocks(
    check: Callable[[pd.DataFrame], tuple[pd.DataFrame, dict[str, np.ndarray]]],
    raw: pd.DataFrame,
    pool: Executor | None,
    min_rows: int | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Run a row-local `check` (typed columns, rule masks) on two halves of `raw` at once.

    Its work is mostly Arrow kernels and numpy, which release the GIL, so the second half runs on the
    other core while the first runs here. `check` must look at each row alone: a rule across rows
    (duplicates) runs afterwards on the whole batch. Small batches, or no pool, run in one piece.
    """
    if pool is None or len(raw) < (PARALLEL_MIN_ROWS if min_rows is None else min_rows):
        return check(raw)
    half = len(raw) // 2
    second = pool.submit(check, raw.iloc[half:])
    head = check(raw.iloc[:half])
    tail = second.result()
    typed = pd.concat([head[0], tail[0]])
    return typed, {rule: np.concatenate([mask, tail[1][rule]]) for rule, mask in head[1].items()}


def repeats_among_valid(failures: Mapping[str, np.ndarray], keys: pd.Series | pd.DataFrame) -> np.ndarray:
    """Rows whose key repeats an earlier row that broke none of `failures`: re-sends, first one kept.

    Only rows valid so far take part, so a broken row never makes a good one look like a duplicate.
    """
    ok = np.flatnonzero(~np.logical_or.reduce(list(failures.values())))
    out = np.zeros(len(keys), dtype=bool)
    out[ok] = keys.iloc[ok].duplicated(keep="first").to_numpy()
    return out


def split_rows(n_rows: int, failures: Mapping[str, np.ndarray | pd.Series]) -> RowSplit:
    """Vectorised: `failures` maps each rule, in priority order, to the mask of rows that break it."""
    names = list(failures)
    if not names:
        empty = pd.Series([None] * n_rows, dtype=object)
        return RowSplit(np.ones(n_rows, dtype=bool), empty, empty, {})
    masks = np.column_stack([np.asarray(failures[n], dtype=bool) for n in names])
    any_bad = masks.any(axis=1)
    first = np.where(any_bad, masks.argmax(axis=1), -1)
    labels = np.array([*names, None], dtype=object)
    rule = pd.Series(labels[first], dtype=object)
    bad_idx = np.flatnonzero(any_bad)
    failed = pd.Series([None] * n_rows, dtype=object)
    if bad_idx.size:
        sub = masks[bad_idx]
        failed.iloc[bad_idx] = [",".join(np.array(names)[row]) for row in sub]
    counts = {n: int(masks[:, i].sum()) for i, n in enumerate(names) if masks[:, i].any()}
    return RowSplit(~any_bad, rule, failed, counts)


def quarantine_frame(
    raw: pd.DataFrame, split: RowSplit, ds: str, run_id: str, source_checksum: str
) -> pd.DataFrame:
    """The rejected rows exactly as they arrived (JSON), with the rule they broke."""
    bad = ~split.valid
    idx = np.flatnonzero(bad)
    records = raw.iloc[idx].to_json(orient="records", lines=True, date_format="iso").splitlines()
    return pd.DataFrame(
        {
            "ds": ds,
            "run_id": run_id,
            "source_checksum": source_checksum,
            "row_number": idx.astype("int64"),
            "rule": split.rule.to_numpy()[idx],
            "failed_rules": split.failed_rules.to_numpy()[idx],
            "record": records if len(idx) else pd.Series([], dtype=object),
            "quarantined_at": pd.Timestamp(datetime.now(UTC)).tz_localize(None),
        }
    )


# ------------------------------------------------------------------ batch expectations
@dataclass(frozen=True)
class Expectation:
    """One GX expectation by class name, e.g. ("ExpectColumnValuesToBeUnique", {"column": "id"})."""

    kind: str
    kwargs: Mapping[str, Any]

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")


@dataclass
class QualityReport:
    """The outcome of one suite on one batch, ready to store in ops and to explain a failure."""

    suite: str
    success: bool
    results: list[dict[str, Any]]

    def failures(self) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["success"]]

    def describe_failures(self) -> str:
        return "; ".join(
            f"{r['expectation']}({r['column'] or 'table'}): {json.dumps(r['observed'], default=str)}"
            for r in self.failures()
        )


def _skip_decimal_scan_of_numeric_columns() -> None:
    """GX's column mean, sum and standard deviation first look for `decimal.Decimal` objects value by
    value in Python (0.05-0.08 s on fraud's 495k silver rows). A numeric column cannot hold one, so
    for those the scan is skipped; object columns are still scanned and converted as GX intends."""
    from great_expectations.expectations.metrics.column_aggregate_metrics import (
        column_mean,
        column_standard_deviation,
        column_sum,
    )

    for module in (column_mean, column_standard_deviation, column_sum):
        convert = module.convert_pandas_series_decimal_to_float_dtype
        if getattr(convert, "skips_numeric", False):
            continue

        def numeric_skips(data: pd.Series, inplace: bool = False, _convert: Any = convert) -> Any:
            if pd.api.types.is_numeric_dtype(data.dtype):
                return None if inplace else data
            return _convert(data=data, inplace=inplace)

        numeric_skips.skips_numeric = True  # type: ignore[attr-defined]
        module.convert_pandas_series_decimal_to_float_dtype = numeric_skips


def _in_suite_order(results: Sequence[Any], expected: Sequence[Any]) -> list[Any]:
    """GX's results matched back to the GX expectations they judge, in suite order. GX lists the
    expectations that raised (a missing column) first, so results in the order returned would be
    pinned on the wrong expectations: the broken one reported as passed, a good one as failed."""
    pending = list(results)
    ordered = []
    for exp in expected:
        want = exp.configuration
        for i, res in enumerate(pending):
            got = res.expectation_config
            if got.type == want.type and all(got.kwargs.get(k) == v for k, v in want.kwargs.items()):
                ordered.append(pending.pop(i))
                break
        else:
            raise RuntimeError(f"GX returned no result for {want.type} {dict(want.kwargs)}")
    return ordered


def _raised(info: Mapping[str, Any] | None) -> str | None:
    """The message of the exception an expectation raised, if any. GX gives it at the top level, or,
    when a metric failed (a missing column), under that metric's id."""
    info = info or {}
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    return next((str(e.get("exception_message")) for e in entries if e.get("raised_exception")), None)


def _columns_read(exp: Expectation) -> list[str]:
    """The columns whose values an expectation reads; empty for one about the whole table."""
    if exp.kind.startswith("ExpectTable") or "row_condition" in exp.kwargs:
        return []
    names = [exp.kwargs[k] for k in ("column", "column_A", "column_B") if k in exp.kwargs]
    return names + list(exp.kwargs.get("column_list", ()))


def run_expectations(
    frame: pd.DataFrame, suite_name: str, expectations: Sequence[Expectation]
) -> QualityReport:
    """Run a GX 1.x suite in-process on a DataFrame (ephemeral context, nothing written to disk)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx
    import great_expectations.execution_engine.pandas_execution_engine as gx_pandas
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX fingerprints every batch by hashing all its cells (~0.6 s per 500k wide rows), only to label
    # stored results; this context is ephemeral and stores nothing, so skip the fingerprint.
    gx_pandas.HASH_THRESHOLD = 0
    _skip_decimal_scan_of_numeric_columns()

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"{suite_name}_source")

    # One asset for every part: adding an asset re-serialises the data source's config (YAML).
    batch_def = source.add_dataframe_asset(suite_name).add_batch_definition_whole_dataframe(
        f"{suite_name}_batch"
    )

    def validate(part: str, data: pd.DataFrame, exps: Sequence[Expectation]) -> list[Any]:
        suite = gx.ExpectationSuite(name=f"{suite_name}_{part}")
        expected = [suite.add_expectation(getattr(gxe, exp.kind)(**exp.kwargs)) for exp in exps]
        outcome = batch_def.get_batch(batch_parameters={"dataframe": data}).validate(suite)
        return _in_suite_order(outcome.results, expected)

    # Column expectations see only the columns they name: before each column check, GX drops the
    # column's null rows by filtering the whole batch (80 Arrow takes, 0.2 s of fraud's 495k-row suite,
    # even with no null). Text columns are the dear ones to filter, so each text column's checks get a
    # batch of their own, and the other columns' checks share one (a batch costs ~30 ms of GX set-up).
    reads = [[c for c in _columns_read(e) if c in frame.columns] for e in expectations]
    text = {c for c in frame.columns if not (is_numeric_dtype(frame[c]) or is_datetime64_any_dtype(frame[c]))}
    on_text: dict[tuple[str, ...], list[int]] = {}
    on_other = []
    for i, read in enumerate(reads):
        if set(read) & text:
            on_text.setdefault(tuple(read), []).append(i)
        elif read:
            on_other.append(i)
    parts = [("table", frame, [i for i, read in enumerate(reads) if not read])]
    if on_other:
        columns = list(dict.fromkeys(c for i in on_other for c in reads[i]))
        parts.append(("columns", frame[columns], on_other))
    parts += [
        (f"text{n}", frame[list(read)], positions) for n, (read, positions) in enumerate(on_text.items())
    ]
    gx_results: list[Any] = [None] * len(expectations)
    for part, data, positions in parts:
        if positions:
            judged = validate(part, data, [expectations[i] for i in positions])
            for i, res in zip(positions, judged, strict=True):
                gx_results[i] = res
    results = []
    for res, exp in zip(gx_results, expectations, strict=True):
        raised = _raised(res.exception_info)
        detail = res.result or {}
        observed = {
            k: detail[k]
            for k in ("observed_value", "unexpected_count", "unexpected_percent", "partial_unexpected_list")
            if detail.get(k) is not None
        }
        if raised is not None:
            observed["exception"] = raised[:500]
        results.append(
            {
                "expectation": exp.kind,
                "column": exp.column,
                "kwargs": dict(exp.kwargs),
                "success": bool(res.success) and raised is None,
                "observed": observed,
            }
        )
    return QualityReport(suite_name, all(r["success"] for r in results), results)


DQ_RESULTS = TableDef(
    "ops_dq_results",
    {
        "ds": "date",
        "domain": "str",
        "run_id": "str",
        "suite": "str",
        "expectation": "str",
        "column_name": "str",
        "success": "bool",
        "observed": "json",
        "checked_at": "datetime",
    },
    indexes=(("domain",),),
)


def report_frame(report: QualityReport, domain: str, ds: str, run_id: str) -> pd.DataFrame:
    now = pd.Timestamp(datetime.now(UTC)).tz_localize(None)
    return pd.DataFrame(
        [
            {
                "ds": ds,
                "domain": domain,
                "run_id": run_id,
                "suite": report.suite,
                "expectation": r["expectation"],
                "column_name": r["column"],
                "success": r["success"],
                "observed": json.dumps(r["observed"], default=str),
                "checked_at": now,
            }
            for r in report.results
        ]
    )
