"""Revenue alerts fire on a planted anomaly and stay quiet on normal days, seasonal ramp included."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from domains.ecommerce import monitoring_rules as rules

DS = "2026-11-20"


def history(days: int, level: float, rng: np.random.Generator, growth: float = 0.0) -> pd.DataFrame:
    end = date.fromisoformat(DS)
    rows = []
    for k in range(days, 0, -1):
        d = end - timedelta(days=k)
        weekday = 0.4 if d.weekday() == 5 else 1.0  # quiet Saturdays
        trend = (1 + growth) ** (days - k)
        revenue = level * weekday * trend * rng.normal(1, 0.06)
        orders = revenue / 100 * rng.normal(1, 0.03)
        rows.append(
            {
                "ds": d.isoformat(),
                "revenue_net": revenue,
                "orders": orders,
                "avg_order_value": revenue / orders,
            }
        )
    return pd.DataFrame(rows)


def today(revenue: float, aov: float = 100.0) -> pd.Series:
    return pd.Series({"revenue_net": revenue, "orders": revenue / aov, "avg_order_value": aov})


def test_normal_days_are_quiet_even_on_a_seasonal_ramp() -> None:
    rng = np.random.default_rng(1)
    quiet = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        h = history(28, 50_000, rng, growth=0.01)  # +1% a day: the pre-Christmas climb
        level = 50_000 * 1.01**28 * (0.4 if date.fromisoformat(DS).weekday() == 5 else 1.0)
        quiet += not rules.anomalies(h, today(level * rng.normal(1, 0.06)), DS)
    assert quiet >= 198


def test_a_collapsed_day_and_a_spike_raise_alerts() -> None:
    h = history(28, 50_000, np.random.default_rng(2))
    drop = rules.anomalies(h, today(8_000), DS)
    assert {a["metric"] for a in drop} >= {"revenue_net", "orders"}
    assert drop[0]["value"] < drop[0]["lower"]
    spike = rules.anomalies(h, today(60_000, aov=400.0), DS)
    assert "avg_order_value" in {a["metric"] for a in spike}


def test_no_verdict_without_enough_history() -> None:
    assert rules.anomalies(history(5, 50_000, np.random.default_rng(3)), today(1.0), DS) == []


def test_segment_psi_is_zero_for_the_same_mix_and_large_for_a_shift() -> None:
    mix = pd.DataFrame({"segment": ["champions", "hibernating", "new"], "share": [0.2, 0.5, 0.3]})
    assert rules.segment_psi(mix, mix) == 0.0
    moved = mix.assign(share=[0.05, 0.8, 0.15])
    assert rules.segment_psi(mix, moved) > rules.SEGMENT_PSI_ALERT
