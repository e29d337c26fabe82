"""The bench's machine-speed reference: it measures, and leaves nothing behind in the database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.calibration import calibrate
from domains.core.warehouse import normalise_url


@pytest.mark.postgres
def test_calibration_times_both_workloads_and_drops_its_table(postgres_url: str) -> None:
    result = calibrate(postgres_url, rows=4_000)

    assert result["rows"] == 4_000
    assert result["cpu_reference_seconds"] > 0
    assert result["copy_reference_seconds"] > 0
    engine = sa.create_engine(normalise_url(postgres_url))
    try:
        with engine.connect() as conn:
            left = conn.execute(
                sa.text("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bench_calibration_%'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert left == 0
