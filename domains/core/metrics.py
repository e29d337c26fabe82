"""Classification metrics and threshold choice shared by the domains' train and validate stages."""

from __future__ import annotations

import numpy as np


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The score cut-off that maximises F1 on (validation) data; 0.5 when there are no positives."""
    from sklearn.metrics import precision_recall_curve

    if y.sum() == 0:
        return 0.5
    precision, recall, thresholds = precision_recall_curve(y, p)
    f1 = 2 * precision[:-1] * recall[:-1] / np.clip(precision[:-1] + recall[:-1], 1e-12, None)
    return float(thresholds[int(np.argmax(f1))])


def classification_metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    """PR-AUC, ROC-AUC and the confusion-based rates at the chosen threshold."""
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    flagged = p >= threshold
    tp = int((flagged & (y == 1)).sum())
    fp = int((flagged & (y == 0)).sum())
    fn = int((~flagged & (y == 1)).sum())
    both_classes = 0 < y.sum() < len(y)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "pr_auc": float(average_precision_score(y, p)) if both_classes else float("nan"),
        "roc_auc": float(roc_auc_score(y, p)) if both_classes else float("nan"),
        "brier": float(brier_score_loss(y, p)),
        "precision_at_threshold": precision,
        "recall_at_threshold": recall,
        "f1_at_threshold": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "positives": float(y.sum()),
        "rows": float(len(y)),
        "threshold": float(threshold),
    }


def multiclass_metrics(
    y: np.ndarray, predicted: np.ndarray, labels: tuple[str, ...], proba: np.ndarray | None = None
) -> dict[str, float]:
    """Macro-F1 (every class counts the same), accuracy, per-class F1 and, with probabilities, log-loss."""
    from sklearn.metrics import accuracy_score, f1_score, log_loss

    y, predicted = np.asarray(y), np.asarray(predicted)
    per_class = f1_score(y, predicted, labels=list(labels), average=None, zero_division=0)
    out = {
        "f1_macro": float(f1_score(y, predicted, labels=list(labels), average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(y, predicted)) if len(y) else float("nan"),
        **{f"f1_{label}": float(v) for label, v in zip(labels, per_class, strict=True)},
        "rows": float(len(y)),
    }
    if proba is not None and len(y):
        out["log_loss"] = float(log_loss(y, np.clip(proba, 1e-9, 1), labels=list(labels)))
    return out
