"""Banking validate stage: AML monitoring first (account anomaly scores from an IsolationForest trained on
silver, alert volume per rule against its trailing mean), then the credit-risk gate and the champion's
view of the day's applications with feature drift."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from domains.banking import aml
from domains.banking.schema import (
    ALERTS,
    GOLD_ACCOUNT_ANOMALY,
    GOLD_AML_VOLUME,
    GOLD_CREDIT,
    LOANS,
    TRANSACTIONS,
)
from domains.banking.settings import get_banking_settings
from domains.core import etl, ops, promotion
from domains.core.boosted import BoostedClassifier
from domains.core.drift import psi
from domains.core.metrics import classification_metrics
from domains.core.pipeline import StageContext

PROFILE = ("transactions", "debit_gbp", "credit_gbp", "max_gbp", "cash_share", "international_share",
           "high_risk_share", "flagged_share", "burst_share", "active_days")  # fmt: skip
TRAILING_DAYS = 7


def account_profiles(ctx: StageContext, days: int) -> pd.DataFrame:
    """Each account's behaviour over the `days` days ending at the run's date, aggregated in the warehouse."""
    lo = (ctx.day - timedelta(days=days - 1)).isoformat()
    sql = f"""
        SELECT account_id, MAX(customer_id) AS customer_id, COUNT(*) AS transactions,
               SUM(CASE WHEN direction = 'debit' THEN amount_gbp ELSE 0 END) AS debit_gbp,
               SUM(CASE WHEN direction = 'credit' THEN amount_gbp ELSE 0 END) AS credit_gbp,
               MAX(amount_gbp) AS max_gbp,
               AVG(CASE WHEN channel = 'cash' THEN 1.0 ELSE 0.0 END) AS cash_share,
               AVG(CASE WHEN channel = 'international' THEN 1.0 ELSE 0.0 END) AS international_share,
               AVG(CASE WHEN high_risk_country THEN 1.0 ELSE 0.0 END) AS high_risk_share,
               AVG(CASE WHEN aml_rules <> '' THEN 1.0 ELSE 0.0 END) AS flagged_share,
               AVG(CASE WHEN tx_count_5m > 3 THEN 1.0 ELSE 0.0 END) AS burst_share,
               COUNT(DISTINCT ds) AS active_days
        FROM "{TRANSACTIONS.name}" WHERE ds >= :lo AND ds <= :hi GROUP BY account_id"""
    if not ctx.warehouse.has_table(TRANSACTIONS.name):
        return pd.DataFrame(columns=["account_id", "customer_id", *PROFILE])
    return ctx.warehouse.read_sql(sql, {"lo": lo, "hi": ctx.ds})


def anomaly_scores(profiles: pd.DataFrame, share: float, seed: int = 0) -> pd.DataFrame:
    """IsolationForest over log-scaled profiles: higher score = more isolated; the top `share` flagged."""
    from sklearn.ensemble import IsolationForest

    x = profiles[list(PROFILE)].astype(float).fillna(0.0).to_numpy()
    x[:, :4] = np.log1p(np.clip(x[:, :4], 0, None))  # counts and amounts span orders of magnitude
    forest = IsolationForest(n_estimators=200, random_state=seed, n_jobs=1).fit(x)
    score = -forest.score_samples(x)
    rank = pd.Series(score).rank(ascending=False, method="first").astype(int).to_numpy()
    flagged = rank <= max(1, round(share * len(x)))
    # Why an account stands out: its most extreme features against the population (robust z-scores).
    med = np.median(x, axis=0)
    spread = np.median(np.abs(x - med), axis=0) + 1e-6
    z = (x - med) / spread
    return profiles.assign(anomaly_score=np.round(score, 6), rank=rank, flagged=flagged, _z=list(z))


def _anomaly_alerts(scored: pd.DataFrame, ds: str) -> pd.DataFrame:
    top = scored[scored["flagged"]]
    evidence = [
        json.dumps(
            {
                "anomaly_score": s,
                "rank": int(r),
                "accounts_scored": len(scored),
                "most_unusual": [PROFILE[i] for i in np.argsort(-np.abs(z))[:3]],
            }
        )
        for s, r, z in zip(top["anomaly_score"], top["rank"], top["_z"], strict=True)
    ]
    return pd.DataFrame(
        {
            "ds": ds,
            "alert_id": [aml.alert_id(ds, a, aml.ANOMALY_RULE) for a in top["account_id"]],
            "account_id": top["account_id"].to_numpy(),
            "customer_id": top["customer_id"].to_numpy(),
            "rule": aml.ANOMALY_RULE,
            "severity": "medium",
            "alert_ts": pd.Timestamp(ds) + pd.Timedelta(days=1) - pd.Timedelta(seconds=1),
            "amount_gbp": (top["debit_gbp"] + top["credit_gbp"]).round(2).to_numpy(),
            "transactions": top["transactions"].astype("int64").to_numpy(),
            "evidence": evidence,
        }
    )


def monitor_aml(ctx: StageContext) -> dict[str, Any]:
    """Score accounts, raise anomaly alerts for the day, and track each rule's alert volume."""
    bank = get_banking_settings()
    wh = ctx.warehouse
    profiles = account_profiles(ctx, bank.aml_profile_days)
    alerts = pd.DataFrame()
    if len(profiles) >= 50:  # fewer accounts than that have no population to stand out from
        scored = anomaly_scores(profiles, bank.aml_anomaly_share)
        gold = scored.assign(ds=ctx.ds)[list(GOLD_ACCOUNT_ANOMALY.columns)]
        wh.replace_partition(ctx.ds, {GOLD_ACCOUNT_ANOMALY: gold})
        alerts = _anomaly_alerts(scored, ctx.ds)
    # The day's anomaly alerts replace an earlier run's, in one transaction.
    wh.replace_rows(ALERTS, "ds = :ds AND rule = :r", {"ds": ctx.ds, "r": aml.ANOMALY_RULE}, alerts)
    flagged = len(alerts)
    lo = (ctx.day - timedelta(days=TRAILING_DAYS)).isoformat()
    recent = wh.read_sql(
        f'SELECT ds, rule, COUNT(*) AS alerts FROM "{ALERTS.name}" '
        "WHERE ds >= :lo AND ds <= :hi GROUP BY ds, rule",
        {"lo": lo, "hi": ctx.ds},
    )
    recent["ds"] = recent["ds"].astype(str).str.slice(0, 10)
    today = recent[recent["ds"] == ctx.ds].set_index("rule")["alerts"]
    before = recent[recent["ds"] < ctx.ds]
    days_before = max(before["ds"].nunique(), 1)
    trailing = before.groupby("rule")["alerts"].sum() / days_before
    rules = sorted(set(aml.RULES) | {aml.ANOMALY_RULE})
    volume = pd.DataFrame(
        {
            "ds": ctx.ds,
            "rule": rules,
            "alerts": [int(today.get(r, 0)) for r in rules],
            "trailing_mean": [float(trailing.get(r, np.nan)) for r in rules],
        }
    )
    volume["ratio_to_trailing"] = volume["alerts"] / volume["trailing_mean"].replace(0, np.nan)
    wh.replace_partition(ctx.ds, {GOLD_AML_VOLUME: volume})
    counts = {f"aml_alerts_{r}": float(n) for r, n in zip(volume["rule"], volume["alerts"], strict=True)}
    ops.record_model_metrics(wh, "banking", ctx.ds, ctx.run_id, "aml_rules", None, "aml_monitoring", counts)
    return {
        "accounts_scored": len(profiles),
        "anomaly_alerts": flagged,
        "alerts_total": int(volume["alerts"].sum()),
    }


def monitor_credit(ctx: StageContext, model: BoostedClassifier) -> dict[str, Any]:
    """The champion on the day's matured applications, and their drift from the training data."""
    today = etl.window(ctx, LOANS, 1)
    if today.empty:
        return {}
    y = today["default"].to_numpy()
    p = model.predict_proba(today)
    both = 0 < y.sum() < len(y)
    m = classification_metrics(y, p, model.threshold) if both else {}
    summary = {
        "ds": ctx.ds,
        "model_version": model.version,
        "applications": len(today),
        "mean_pd": float(p.mean()),
        "high_risk_share": float((p >= model.threshold).mean()),
        "observed_default_rate": float(y.mean()),
        "roc_auc": m.get("roc_auc", float("nan")),
    }
    ctx.warehouse.replace_partition(ctx.ds, {GOLD_CREDIT: pd.DataFrame([summary])})
    drift = psi(model.meta.get("reference_profile", {}), today)
    ops.record_drift(ctx.warehouse, "banking", ctx.ds, model.version, drift)
    worst = max(drift.items(), key=lambda kv: kv[1]) if drift else (None, 0.0)
    return {
        **{k: (round(v, 5) if isinstance(v, float) else v) for k, v in summary.items() if k != "ds"},
        "max_psi_feature": worst[0],
        "max_psi": round(worst[1], 4),
    }


def validate(ctx: StageContext) -> dict[str, Any]:
    """AML monitoring, then gate the credit-risk challenger and monitor the champion."""
    aml_summary = monitor_aml(ctx)
    result = promotion.validate_stage(
        ctx,
        lambda ref: BoostedClassifier.load(ctx.settings, ref),
        lambda model, holdout: classification_metrics(
            holdout["default"].to_numpy(), model.predict_proba(holdout), model.threshold
        ),
        lambda model: monitor_credit(ctx, model),
    )
    return {**result, "aml": aml_summary}
