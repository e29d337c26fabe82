"""AML rules on crafted transaction sequences: each must alert on its pattern and stay quiet just
outside it; windows reach into yesterday's transactions."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from domains.banking import aml

TH = aml.Thresholds(high_risk=frozenset({"IR", "KP"}))
DAY = "2026-11-19"


def tx(rows: list[tuple], account: str = "A1") -> pd.DataFrame:
    """rows: (time, amount, direction, channel[, country])."""
    frame = pd.DataFrame(
        [
            {
                "transaction_id": f"T{account}{i}",
                "account_id": account,
                "customer_id": "C1",
                "ts": pd.Timestamp(t),
                "amount": float(a),
                "amount_gbp": float(a),
                "direction": d,
                "channel": c,
                "high_risk_country": (r[4] if len(r) > 4 else "GB") in TH.high_risk,
            }
            for i, r in enumerate(rows)
            for t, a, d, c in [r[:4]]
        ]
    )
    return frame


def fired(
    current: pd.DataFrame, history: pd.DataFrame | None = None
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    history = history if history is not None else current.iloc[0:0]
    frame = pd.concat([current, aml.features(current, history, TH)], axis=1)
    hits = aml.rule_hits(frame, TH)
    return hits, aml.alerts(frame, hits, DAY, TH)


def rules(alerts: pd.DataFrame) -> set[str]:
    return set(alerts["rule"])


def test_structuring_three_cash_deposits_just_under_the_threshold() -> None:
    deposits = [(f"{DAY} {h}:00", 9_500, "credit", "cash") for h in (9, 11, 15)]
    hits, alerts = fired(tx(deposits))
    assert hits["structuring"].tolist() == [False, False, True]
    assert rules(alerts) == {"structuring"}
    [row] = alerts.itertuples()
    assert row.severity == "high" and row.transactions == 1
    assert json.loads(row.evidence)["rule_parameters"]["threshold_gbp"] == 10_000


def test_no_structuring_for_two_deposits_over_threshold_or_spread_over_days() -> None:
    assert not rules(
        fired(tx([(f"{DAY} 09:00", 9_500, "credit", "cash"), (f"{DAY} 10:00", 9_600, "credit", "cash")]))[1]
    )
    at_threshold = [(f"{DAY} {h}:00", 10_000, "credit", "cash") for h in (9, 11, 15)]
    assert "structuring" not in rules(fired(tx(at_threshold))[1])
    small = [(f"{DAY} {h}:00", 5_000, "credit", "cash") for h in (9, 11, 15)]
    assert "structuring" not in rules(fired(tx(small))[1])
    spread = tx(
        [("2026-11-17 09:00", 9_500, "credit", "cash"), ("2026-11-18 09:30", 9_500, "credit", "cash")]
    )
    hits, _ = fired(tx([(f"{DAY} 10:00", 9_500, "credit", "cash")]), history=spread)
    assert not hits["structuring"].any()  # only one of the earlier deposits is within 24 h


def test_structuring_counts_yesterdays_deposits_within_24_hours() -> None:
    yesterday = tx(
        [("2026-11-18 20:00", 9_400, "credit", "cash"), ("2026-11-18 22:00", 9_300, "credit", "cash")], "A1"
    )
    hits, _ = fired(tx([(f"{DAY} 08:00", 9_800, "credit", "cash")]), history=yesterday)
    assert hits["structuring"].tolist() == [True]


def test_velocity_count_more_than_ten_in_five_minutes() -> None:
    burst = [(f"{DAY} 12:00:{s:02d}", 50, "debit", "card") for s in range(0, 55, 5)]  # 11 in 55 s
    hits, alerts = fired(tx(burst))
    assert hits["velocity_count"].sum() == 1 and rules(alerts) == {"velocity_count"}
    spaced = [(f"{DAY} 12:{m:02d}:00", 50, "debit", "card") for m in range(0, 55, 5)]  # 11 in 50 min
    assert not fired(tx(spaced))[0]["velocity_count"].any()
    ten = burst[:10]
    assert not fired(tx(ten))[0]["velocity_count"].any()


def test_velocity_value_over_50k_out_in_24_hours() -> None:
    out = [(f"{DAY} 09:00", 30_000, "debit", "chaps"), (f"{DAY} 18:00", 25_000, "debit", "chaps")]
    hits, alerts = fired(tx(out))
    assert hits["velocity_value"].tolist() == [False, True] and "velocity_value" in rules(alerts)
    assert not fired(tx([out[0], (f"{DAY} 18:00", 20_000, "debit", "chaps")]))[0]["velocity_value"].any()
    # Money coming in does not count towards the outflow limit.
    assert not fired(tx([(f"{DAY} 09:00", 60_000, "credit", "chaps")]))[0]["velocity_value"].any()


def test_rapid_in_and_out() -> None:
    moved = [
        (f"{DAY} 09:00", 20_000, "credit", "faster_payment"),
        (f"{DAY} 11:00", 19_000, "debit", "international"),
    ]
    hits, alerts = fired(tx(moved))
    assert hits["rapid_in_out"].tolist() == [False, True] and rules(alerts) >= {"rapid_in_out"}
    kept = [(f"{DAY} 09:00", 20_000, "credit", "faster_payment"), (f"{DAY} 11:00", 5_000, "debit", "card")]
    assert not fired(tx(kept))[0]["rapid_in_out"].any()
    small = [(f"{DAY} 09:00", 2_000, "credit", "bacs"), (f"{DAY} 11:00", 1_990, "debit", "faster_payment")]
    assert not fired(tx(small))[0]["rapid_in_out"].any()


def test_high_risk_jurisdiction_and_round_amounts() -> None:
    hits, alerts = fired(
        tx(
            [
                (f"{DAY} 10:00", 800, "debit", "international", "IR"),
                (f"{DAY} 11:00", 800, "debit", "international", "DE"),
            ]
        )
    )
    assert hits["high_risk_jurisdiction"].tolist() == [True, False]
    assert alerts.set_index("rule").loc["high_risk_jurisdiction", "severity"] == "high"
    transfers = [
        (f"{DAY} 10:00", 10_000, "debit", "faster_payment"),
        (f"{DAY} 11:00", 10_000, "debit", "card"),  # a card payment is not a transfer
        (f"{DAY} 12:00", 10_250, "debit", "faster_payment"),
        (f"{DAY} 13:00", 3_000, "debit", "faster_payment"),  # round, but below the minimum
    ]
    hits, alerts = fired(tx(transfers))
    assert hits["round_amount"].tolist() == [True, False, False, False]
    assert alerts.set_index("rule").loc["round_amount", "severity"] == "low"


def test_one_alert_per_account_rule_and_day_with_every_transaction_as_evidence() -> None:
    a = tx([(f"{DAY} {h}:00", 9_500, "credit", "cash") for h in (9, 10, 11, 12)], "A1")
    b = tx([(f"{DAY} 10:00", 700, "debit", "international", "KP")], "A2")
    frame = pd.concat([a, b], ignore_index=True)
    hits, alerts = fired(frame)
    assert sorted(zip(alerts["account_id"], alerts["rule"], strict=True)) == [
        ("A1", "structuring"), ("A2", "high_risk_jurisdiction")
    ]  # fmt: skip
    structuring = alerts[alerts["rule"] == "structuring"].iloc[0]
    assert structuring["transactions"] == 2  # the third and the fourth deposit
    assert json.loads(structuring["evidence"])["transaction_ids"] == ["TA12", "TA13"]
    assert structuring["alert_ts"] == pd.Timestamp(f"{DAY} 11:00")
    assert alerts["alert_id"].is_unique
    assert aml.rules_fired(hits).tolist()[2:4] == ["structuring", "structuring"]


def test_quiet_everyday_spending_raises_nothing() -> None:
    everyday = [(f"{DAY} {h}:{m:02d}", 12.5 + h, "debit", "card") for h in range(8, 20) for m in (5, 35)]
    everyday += [(f"{DAY} 09:00", 2_450, "credit", "bacs")]
    hits, alerts = fired(tx(everyday))
    assert alerts.empty and not any(h.any() for h in hits.values())
