"""The end-to-end check both personal-data domains share: dag.test() twice for one date, identical
layer counts, and afterwards no table anywhere in the warehouse holding PHI or PII."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa

from domains.core import privacy, promotion
from domains.core.bronze import latest_bronze, read_bronze
from domains.core.pipeline import make_context, run_pipeline
from domains.core.warehouse import TableDef
from tests.conftest import run_dag

HISTORY_DAYS, DAY = ("2026-11-17", "2026-11-18"), "2026-11-19"


def _layer_counts(domain: str, tables: Sequence[TableDef]) -> dict[str, int]:
    wh = make_context(domain, DAY).warehouse
    return {t.name: wh.count(t, DAY) for t in tables}


def scan_whole_warehouse(domain: str, name_column: str) -> privacy.PhiScanner:
    """Every table of the warehouse, every row, with the raw names of every extract loaded."""
    ctx = make_context(domain, DAY)
    names: set[str] = set()
    for day in (*HISTORY_DAYS, DAY):
        part = latest_bronze(ctx.data_dir, domain, day)
        if part is not None:
            names |= privacy.name_words(read_bronze(part).to_pandas()[name_column])
    scanner = privacy.PhiScanner(known_names=frozenset(names))
    engine = ctx.warehouse.engine
    for table in sa.inspect(engine).get_table_names():
        with engine.connect() as conn:
            frame = conn.execute(sa.text(f'SELECT * FROM "{table}"')).mappings().all()
        scanner.scan_frame(table, pd.DataFrame(frame))
    return scanner


def dag_twice_then_scan(domain: str, tables: Sequence[TableDef], name_column: str, history: bool) -> None:
    if history:
        for day in HISTORY_DAYS:
            run_pipeline(domain, day, stages=("extract", "transform", "load"))
    first = run_dag(f"{domain}_pipeline", DAY)
    states = {ti.task_id: ti.state for ti in first.get_task_instances()}
    assert first.state == "success", states
    counts = _layer_counts(domain, tables)
    assert counts[f"{domain}_quarantine"] > 0 and all(n > 0 for n in counts.values())
    assert promotion.current_champion(make_context(domain, DAY)) is not None

    second = run_dag(f"{domain}_pipeline", DAY)
    assert second.state == "success"
    assert _layer_counts(domain, tables) == counts

    scanner = scan_whole_warehouse(domain, name_column)
    assert scanner.clean, scanner.summary()
