"""Anti-money-laundering rules over the transaction stream: per-account rolling features, the rules that
fire on each transaction, and one alert per account, rule and day with its severity and evidence."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from domains.banking.settings import BankingSettings
from domains.core import rolling

RULES: dict[str, str] = {  # rule -> severity
    "structuring": "high",
    "rapid_in_out": "high",
    "high_risk_jurisdiction": "high",
    "velocity_value": "medium",
    "velocity_count": "medium",
    "round_amount": "low",
}
ANOMALY_RULE = "account_anomaly"
SEVERITIES: tuple[str, ...] = ("low", "medium", "high")
TRANSFER_CHANNELS = ("faster_payment", "bacs", "chaps", "standing_order", "international")
EVIDENCE_IDS = 10
HISTORY_COLUMNS = ["account_id", "ts", "amount_gbp", "direction", "channel"]


@dataclass(frozen=True)
class Thresholds:
    """The rules' parameters, from BANKING_AML_* settings."""

    cash_threshold: float = 10_000.0
    structuring_band: float = 0.10
    structuring_count: int = 3
    velocity_count_5m: int = 10
    velocity_value_24h: float = 50_000.0
    rapid_min: float = 5_000.0
    rapid_share: float = 0.9
    round_min: float = 5_000.0
    high_risk: frozenset[str] = frozenset({"KP", "IR", "MM"})

    @classmethod
    def from_settings(cls, s: BankingSettings) -> Thresholds:
        return cls(
            s.aml_cash_threshold_gbp,
            s.aml_structuring_band,
            s.aml_structuring_count,
            s.aml_velocity_count_5m,
            s.aml_velocity_value_24h_gbp,
            s.aml_rapid_in_out_min_gbp,
            s.aml_rapid_in_out_share,
            s.aml_round_amount_min_gbp,
            s.high_risk_countries,
        )


def window_features(
    account: np.ndarray,
    t_seconds: np.ndarray,
    gbp: np.ndarray,
    debit: np.ndarray,
    cash_in: np.ndarray,
    n_history: int,
    th: Thresholds,
) -> dict[str, np.ndarray]:
    """Rolling per-account features of the rows after the first `n_history` (earlier rows, e.g.
    yesterday's, only open the windows). Arrays are aligned; `account` holds integer account codes.

    Windows end at, and include, the transaction itself; rows in the same second count in input order.
    """
    key = rolling.group_time_key(account, t_seconds, 86_400)
    order = np.argsort(key, kind="stable")  # ties keep input order: history first, then arrival
    key, amount, is_debit = key[order], gbp[order], debit[order]
    near = (
        cash_in[order]
        & (amount >= th.cash_threshold * (1 - th.structuring_band))
        & (amount < th.cash_threshold)
    )
    day = rolling.window_starts(key, 86_400)
    count_5m = rolling.window_count(rolling.window_starts(key, 300))
    debit_24h = rolling.window_sum(day, np.where(is_debit, amount, 0.0))
    credit_24h = rolling.window_sum(day, np.where(is_debit, 0.0, amount))
    near_24h = rolling.window_sum(day, near)
    back = np.empty(len(order), dtype=np.int64)
    back[order] = np.arange(len(order))
    mine = back[n_history:]  # where the current rows went in sorted order
    return {
        "tx_count_5m": count_5m[mine].astype(np.int64),
        "debit_gbp_24h": np.round(debit_24h[mine], 2),
        "credit_gbp_24h": np.round(credit_24h[mine], 2),
        "cash_near_threshold_24h": np.rint(near_24h[mine]).astype(np.int64),
    }


def features(current: pd.DataFrame, history: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """window_features for frames with account_id, ts, amount_gbp, direction, channel (history first)."""
    both = pd.concat([history[HISTORY_COLUMNS], current[HISTORY_COLUMNS]], ignore_index=True)
    debit = both["direction"].to_numpy() == "debit"
    out = window_features(
        pd.factorize(both["account_id"])[0].astype(np.int64),
        both["ts"].to_numpy().astype("datetime64[s]").astype(np.int64),
        both["amount_gbp"].to_numpy(dtype=float),
        debit,
        (both["channel"].to_numpy() == "cash") & ~debit,
        len(history),
        th,
    )
    return pd.DataFrame(out, index=current.index)


def rule_hits(tx: pd.DataFrame, th: Thresholds) -> dict[str, np.ndarray]:
    """Which rules each transaction fires (tx: silver rows with their rolling features)."""
    gbp = tx["amount_gbp"].to_numpy(dtype=float)
    debit = tx["direction"].to_numpy() == "debit"
    credit_24h = tx["credit_gbp_24h"].to_numpy(dtype=float)
    debit_24h = tx["debit_gbp_24h"].to_numpy(dtype=float)
    cash_in = (tx["channel"].to_numpy() == "cash") & ~debit
    near = cash_in & (gbp >= th.cash_threshold * (1 - th.structuring_band)) & (gbp < th.cash_threshold)
    transfer = tx["channel"].isin(TRANSFER_CHANNELS).to_numpy()
    whole_thousands = np.isclose(np.mod(tx["amount"].to_numpy(dtype=float), 1000.0), 0.0)
    return {
        "structuring": near & (tx["cash_near_threshold_24h"].to_numpy() >= th.structuring_count),
        "rapid_in_out": debit & (credit_24h >= th.rapid_min) & (debit_24h >= th.rapid_share * credit_24h),
        "high_risk_jurisdiction": tx["high_risk_country"].to_numpy(dtype=bool),
        "velocity_value": debit & (debit_24h > th.velocity_value_24h),
        "velocity_count": tx["tx_count_5m"].to_numpy() > th.velocity_count_5m,
        "round_amount": transfer & (gbp >= th.round_min) & whole_thousands,
    }


def rules_fired(hits: dict[str, np.ndarray]) -> np.ndarray:
    """Per transaction, the comma-separated rules it fired ("" for none), via one bitmask per row."""
    names = list(hits)
    code = np.zeros(len(next(iter(hits.values()))), dtype=np.int64)
    for bit, name in enumerate(names):
        code |= hits[name].astype(np.int64) << bit
    labels = {c: ",".join(n for b, n in enumerate(names) if c >> b & 1) for c in np.unique(code).tolist()}
    return pd.Series(code).map(labels).to_numpy(dtype=object)


def alert_id(ds: str, account_id: str, rule: str) -> str:
    return hashlib.sha256(f"{ds}|{account_id}|{rule}".encode()).hexdigest()[:20]


def alerts(tx: pd.DataFrame, hits: dict[str, np.ndarray], ds: str, th: Thresholds) -> pd.DataFrame:
    """One alert per account and rule for the day: first trigger time, the transactions behind it."""
    frames = []
    for rule, mask in hits.items():
        if mask.any():
            frames.append(
                tx.loc[mask, ["account_id", "customer_id", "ts", "transaction_id", "amount_gbp"]].assign(
                    rule=rule
                )
            )
    columns = ["ds", "alert_id", "account_id", "customer_id", "rule", "severity", "alert_ts", "amount_gbp",
               "transactions", "evidence"]  # fmt: skip
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    fired = pd.concat(frames, ignore_index=True).sort_values(["account_id", "rule", "ts"], kind="stable")
    grouped = fired.groupby(["account_id", "rule"], sort=True)
    out = grouped.agg(
        customer_id=("customer_id", "first"),
        alert_ts=("ts", "first"),
        amount_gbp=("amount_gbp", "sum"),
        transactions=("transaction_id", "size"),
        ids=("transaction_id", lambda s: list(s)[:EVIDENCE_IDS]),
    ).reset_index()
    limits = {
        "structuring": {"threshold_gbp": th.cash_threshold, "min_deposits_24h": th.structuring_count},
        "rapid_in_out": {"min_in_gbp": th.rapid_min, "out_share": th.rapid_share, "window": "24h"},
        "high_risk_jurisdiction": {"countries": sorted(th.high_risk)},
        "velocity_value": {"max_out_24h_gbp": th.velocity_value_24h},
        "velocity_count": {"max_transactions_5m": th.velocity_count_5m},
        "round_amount": {"min_gbp": th.round_min, "multiple_of": 1000},
    }
    out["evidence"] = [
        json.dumps({"transaction_ids": ids, "rule_parameters": limits[r], "total_gbp": round(v, 2)})
        for ids, r, v in zip(out["ids"], out["rule"], out["amount_gbp"], strict=True)
    ]
    out["severity"] = out["rule"].map(RULES)
    out["alert_id"] = [alert_id(ds, a, r) for a, r in zip(out["account_id"], out["rule"], strict=True)]
    out["ds"] = ds
    out["amount_gbp"] = out["amount_gbp"].round(2)
    return out[columns]
