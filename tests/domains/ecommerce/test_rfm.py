"""RFM on a hand-computed example, named segments, and the model's features with no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd

from domains.ecommerce import rfm
from domains.ecommerce.train import calibration_frame

AS_OF = "2026-11-20"


def daily(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "ds": ds,
                "customer_id": c,
                "country": "United Kingdom",
                "orders": o,
                "items": o,
                "revenue_gross": max(r, 0.0),
                "returns": max(-r, 0.0),
                "revenue_net": r,
            }
            for ds, c, o, r in rows
        ]
    )


HISTORY = daily(
    [
        ("2026-11-19", "a", 1, 100.0),  # a: 3 orders, last one yesterday
        ("2026-11-01", "a", 2, 300.0),
        ("2026-10-01", "b", 1, 50.0),  # b: one order 50 days ago
        ("2026-11-15", "c", 1, 20.0),  # c: 2 orders, 40 net (a return of 10 the same day as the second)
        ("2026-11-10", "c", 1, 20.0),
        ("2026-11-15", "c", 0, -10.0),
        ("2025-06-01", "d", 5, 999.0),  # d: outside the 365-day window: not a customer any more
    ]
)


def test_recency_frequency_monetary_by_hand() -> None:
    f = rfm.customer_features(HISTORY, AS_OF).set_index("customer_id")
    assert sorted(f.index) == ["a", "b", "c"]
    assert f.loc["a", ["recency_days", "frequency", "monetary"]].tolist() == [1, 3, 400.0]
    assert f.loc["b", ["recency_days", "frequency", "monetary", "tenure_days"]].tolist() == [50, 1, 50.0, 50]
    assert f.loc["c", ["recency_days", "frequency", "monetary"]].tolist() == [5, 2, 30.0]
    assert f.loc["c", "return_rate"] == 10 / 40
    assert f.loc["a", "mean_gap_days"] == (19 - 1) / 2 and np.isnan(f.loc["b", "mean_gap_days"])
    assert f.loc["a", "orders_30d"] == 3 and f.loc["b", "orders_30d"] == 0


def test_scores_are_quintiles_and_ties_score_alike() -> None:
    values = pd.Series([1, 1, 1, 1, 2, 3, 4, 5, 6, 7])
    assert rfm.score(values).tolist() == [2, 2, 2, 2, 3, 3, 4, 4, 5, 5]
    recency = pd.Series([0, 10, 20, 30, 40])
    assert rfm.score(recency, higher_is_better=False).tolist() == [5, 4, 3, 2, 1]


def test_segments_follow_the_recency_frequency_map() -> None:
    r = pd.Series([5, 3, 5, 4, 3, 1, 1, 2])
    f = pd.Series([5, 4, 1, 2, 2, 4, 1, 3])
    assert rfm.segment(r, f).tolist() == [
        "champions",
        "loyal",
        "new",
        "potential_loyalists",
        "need_attention",
        "at_risk",
        "hibernating",
        "at_risk",
    ]


def test_rfm_snapshot_scores_the_hand_example() -> None:
    snap = rfm.rfm_table(rfm.customer_features(HISTORY, AS_OF), AS_OF).set_index("customer_id")
    # Recency: a (1 day) best, c (5) middle, b (50) worst; frequency 3 > 2 > 1; monetary 400 > 50 > 30.
    assert snap["r_score"].to_dict() == {"a": 5, "b": 2, "c": 4}
    assert snap["f_score"].to_dict() == {"a": 5, "b": 2, "c": 4}
    assert snap["m_score"].to_dict() == {"a": 5, "b": 4, "c": 2}
    assert snap.loc["a", "segment"] == "champions" and snap.loc["b", "segment"] == "hibernating"


def test_api_scoring_against_the_stored_population_matches_the_snapshot() -> None:
    rng = np.random.default_rng(3)
    pop = pd.DataFrame(
        {
            "recency_days": rng.integers(0, 365, 5000),
            "frequency": rng.integers(1, 30, 5000),
            "monetary": rng.gamma(2, 300, 5000),
            "customer_id": range(5000),
        }
    )
    ref = rfm.reference_quantiles(pop)
    direct = rfm.score(pop["monetary"]).to_numpy()
    via_reference = rfm.score_against(ref, "monetary", pop["monetary"].to_numpy(), higher_is_better=True)
    assert (np.abs(direct - via_reference) <= 1).all() and (direct == via_reference).mean() > 0.97


def test_calibration_features_never_see_the_horizon() -> None:
    rows = [("2026-11-01", "a", 1, 100.0), ("2026-11-12", "a", 1, 70.0), ("2026-11-13", "a", 1, 999.0)]
    frame = calibration_frame(daily(rows), cutoff="2026-11-12", end="2026-11-20").set_index("customer_id")
    # Features stop at the cutoff (two orders, 170); the target is what came after it (999).
    assert frame.loc["a", ["frequency", "monetary", "recency_days"]].tolist() == [2, 170.0, 0]
    assert frame.loc["a", "target"] == 999.0
