"""The promotion rule: a challenger must beat the named baseline and the champion on the same data."""

from __future__ import annotations

from dataclasses import dataclass, field

from domains.core.spec import ModelGate


@dataclass
class GateDecision:
    """Whether to promote, and every reason that decided it (stored on the model version)."""

    promote: bool
    reasons: list[str] = field(default_factory=list)


def decide(gate: ModelGate, challenger: float, baseline: float, champion: float | None) -> GateDecision:
    """Apply the spec's thresholds to one metric measured on one held-out set."""
    sign = 1.0 if gate.greater_is_better else -1.0
    m = gate.metric
    reasons: list[str] = []
    ok = True
    if gate.min_value is not None and challenger < gate.min_value:
        ok = False
        reasons.append(f"{m}={challenger:.4f} is below the required minimum {gate.min_value:.4f}")
    if gate.max_value is not None and challenger > gate.max_value:
        ok = False
        reasons.append(f"{m}={challenger:.4f} is above the allowed maximum {gate.max_value:.4f}")
    if challenger != challenger:  # NaN: the held-out set could not measure it
        return GateDecision(False, [*reasons, f"{m} could not be measured on the held-out data"])
    if sign * (challenger - baseline) < gate.min_gain_over_baseline:
        ok = False
        reasons.append(
            f"{m}={challenger:.4f} does not beat the baseline {baseline:.4f} by {gate.min_gain_over_baseline}"
        )
    else:
        reasons.append(f"{m}={challenger:.4f} beats the baseline {baseline:.4f}")
    if champion is None:
        reasons.append("no current champion")
    elif sign * (challenger - champion) < gate.min_gain_over_champion:
        ok = False
        reasons.append(f"{m}={challenger:.4f} is worse than the champion's {champion:.4f}")
    else:
        reasons.append(f"{m}={challenger:.4f} is at least as good as the champion's {champion:.4f}")
    return GateDecision(ok, reasons)
