"""The PHI/PII leak checks a validate stage runs: stored partitions, model inputs, stage logs and
live API responses, each scan recorded in ops and any hit raised (failing the task, which alerts)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from domains.core import ops, privacy, promotion
from domains.core.bronze import latest_bronze, read_bronze
from domains.core.pipeline import StageContext
from domains.core.serving import DomainService
from domains.core.warehouse import TableDef


def roster_names(ctx: StageContext, name_column: str) -> frozenset[str]:
    """The day's raw personal names, read from bronze (never stored elsewhere): what must not leak."""
    part = latest_bronze(ctx.data_dir, ctx.spec.name, ctx.ds)
    if part is None:
        return frozenset()
    table = read_bronze(part)
    if name_column not in table.column_names:
        return frozenset()
    return frozenset(privacy.name_words(table.select([name_column]).to_pandas()[name_column]))


def record_scan(ctx: StageContext, scanner: privacy.PhiScanner, stage: str) -> None:
    ops.record_privacy_scan(ctx.warehouse, ctx.spec.name, ctx.ds, ctx.run_id, stage, scanner.summary())


def scan_stored(
    ctx: StageContext, tables: Sequence[TableDef], names: frozenset[str], model_inputs: pd.DataFrame | None
) -> privacy.PhiScanner:
    """Scan the date's partitions of `tables`, the model's inputs and every stage log of the date;
    record the scan and raise PrivacyLeakError on any hit."""
    scanner = privacy.PhiScanner(known_names=names)
    for table in tables:
        if ctx.warehouse.has_table(table.name):
            scanner.scan_frame(
                table.name, ctx.warehouse.read_table(table, where="ds = :ds", params={"ds": ctx.ds})
            )
    if model_inputs is not None:
        scanner.scan_frame("model_inputs", model_inputs)
    scanner.scan_log_dir("logs", ctx.log_dir)
    record_scan(ctx, scanner, "stored")
    scanner.raise_if_found(ctx.spec.name)
    return scanner


def scan_responses(
    ctx: StageContext,
    service: DomainService,
    requests: Sequence[dict[str, Any]],
    names: frozenset[str],
) -> privacy.PhiScanner:
    """Send requests built from de-identified rows through the champion's real serving code and scan
    what comes back (recorded; raising is left to the caller, after it has stored its monitoring)."""
    champion = promotion.current_champion(ctx)
    scanner = privacy.PhiScanner(known_names=names)
    if champion is None or not requests:
        return scanner
    loaded = service.load_model(ctx.settings, champion)
    parsed = [service.record_model.model_validate(r) for r in requests]
    scanner.scan_records("api_responses", service.predict(loaded, parsed))
    record_scan(ctx, scanner, "api_responses")
    return scanner


def stored_then_gate(
    ctx: StageContext,
    tables: Sequence[TableDef],
    name_column: str,
    load: Callable[[Any], Any],
    evaluate: Callable[[Any, pd.DataFrame], Any],
    monitor: Callable[[Any, frozenset[str]], dict[str, Any]],
) -> dict[str, Any]:
    """The validate stage of a domain holding personal data: scan first (nothing is promoted from a
    leaking run), then the usual gate and monitoring; `monitor` gets the day's raw names (read once)
    to scan the champion's responses with."""
    ref = promotion.challenger_ref(ctx)
    challenger = load(ref)
    names = roster_names(ctx, name_column)
    scan_stored(ctx, tables, names, promotion.holdout_frame(ctx, challenger.meta, ref))
    return promotion.validate_stage(
        ctx,
        lambda r: challenger if r.version == ref.version else load(r),
        evaluate,
        lambda m: monitor(m, names),
    )
