"""HR validate stage: PII scan first, then the gate, then the champion's risk distribution, the
k-anonymity of everything published for the week, and a scan of live API responses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl, privacy_monitor
from domains.core.boosted import BoostedClassifier
from domains.core.metrics import classification_metrics
from domains.core.pipeline import StageContext
from domains.core.privacy import PrivacyLeakError
from domains.hr.schema import (
    GOLD_DEPARTMENT_SENTIMENT,
    GOLD_GROUPS,
    GOLD_MODEL,
    GOLD_WEEKLY,
    K_ANONYMITY,
    QUARANTINE,
    SILVER,
)
from domains.hr.serving import SERVICE, silver_to_requests

SCANNED = (SILVER, GOLD_WEEKLY, GOLD_GROUPS, GOLD_DEPARTMENT_SENTIMENT, QUARANTINE, GOLD_MODEL)
API_SAMPLE = 200
# Published tables and the count each must hold at K_ANONYMITY or more per row.
K_CHECKED = ((GOLD_GROUPS, "employees"), (GOLD_DEPARTMENT_SENTIMENT, "comments"))


def validate(ctx: StageContext) -> dict[str, Any]:
    """Stop on any PII before anything is promoted; then gate the challenger and monitor the champion."""
    return privacy_monitor.stored_then_gate(
        ctx,
        SCANNED,
        "EmployeeName",
        lambda ref: BoostedClassifier.load(ctx.settings, ref),
        lambda model, holdout: classification_metrics(
            holdout["attrition"].to_numpy(), model.predict_proba(holdout), model.threshold
        ),
        lambda model, names: monitor(ctx, model, names),
    )


def k_anonymity_violations(ctx: StageContext) -> int:
    """Rows of the week's published tables that describe fewer than K_ANONYMITY people."""
    bad = 0
    for table, column in K_CHECKED:
        frame = etl.window(ctx, table, 1, [column])
        bad += int((frame[column] < K_ANONYMITY).sum())
    return bad


def monitor(ctx: StageContext, model: BoostedClassifier, names: frozenset[str]) -> dict[str, Any]:
    """Score the week's workforce; check k-anonymity and scan responses; store the week's summary."""
    today = etl.window(ctx, SILVER, 1)
    if today.empty:
        return {}
    y = today["attrition"].to_numpy()
    p = model.predict_proba(today)
    m = classification_metrics(y, p, model.threshold)
    violations = k_anonymity_violations(ctx)
    scanner = privacy_monitor.scan_responses(ctx, SERVICE, silver_to_requests(today.head(API_SAMPLE)), names)
    summary = {
        "ds": ctx.ds,
        "model_version": model.version,
        "scored": len(today),
        "mean_risk": float(p.mean()),
        "risk_p50": float(np.quantile(p, 0.5)),
        "risk_p90": float(np.quantile(p, 0.9)),
        "high_risk_share": float((p >= model.threshold).mean()),
        "observed_attrition_rate": float(y.mean()),
        "roc_auc": m["roc_auc"],
        "k_anonymity_violations": violations,
        "pii_findings": len(scanner.findings),
    }
    ctx.warehouse.replace_partition(ctx.ds, {GOLD_MODEL: pd.DataFrame([summary])})
    scanner.raise_if_found("hr")
    if violations:
        raise PrivacyLeakError(
            f"hr ds={ctx.ds}: {violations} published rows describe fewer than {K_ANONYMITY} employees"
        )
    return {k: (round(v, 5) if isinstance(v, float) else v) for k, v in summary.items() if k != "ds"}
