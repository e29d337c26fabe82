"""Trains the review-sentiment challenger and measures VADER, the baseline, on the same held-out reviews."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from domains.core import etl, promotion
from domains.core.drift import reference_profile
from domains.core.metrics import multiclass_metrics
from domains.core.pipeline import StageContext
from domains.restaurant.model import SentimentModel, build_pipeline
from domains.restaurant.schema import SENTIMENTS, SILVER

MIN_PER_CLASS = 30
C_GRID = (0.5, 1.0, 2.0, 4.0)
# Monitored for drift: what the reviews look like, independent of any model.
PROFILE_FEATURES = ("n_tokens", "vader_compound", "stars", "has_negation")
COLUMNS = [
    "ds",
    "review_ts",
    "tokens",
    "sentiment",
    "stars",
    "n_tokens",
    "has_negation",
    "vader_compound",
]


def time_split(frame: pd.DataFrame, valid: float = 0.15, test: float = 0.15) -> tuple[pd.DataFrame, ...]:
    """Oldest reviews train, newer ones choose C and VADER's cut-off, the newest judge: no look-ahead."""
    frame = frame.sort_values(["review_ts", "tokens"], kind="stable", ignore_index=True)
    n = len(frame)
    a, b = int(n * (1 - valid - test)), int(n * (1 - test))
    return frame.iloc[:a], frame.iloc[a:b], frame.iloc[b:]


def vader_labels(compound: np.ndarray, threshold: float) -> np.ndarray:
    return np.select([compound >= threshold, compound <= -threshold], ["positive", "negative"], "neutral")


def tune_vader(valid: pd.DataFrame) -> float:
    """VADER's neutral band chosen on validation: a fairer baseline than the conventional ±0.05."""
    from sklearn.metrics import f1_score

    compound = valid["vader_compound"].to_numpy(float)
    grid = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
    scores = [f1_score(valid["sentiment"], vader_labels(compound, t), average="macro") for t in grid]
    return float(grid[int(np.argmax(scores))])


def vader_metrics(frame: pd.DataFrame, threshold: float) -> dict[str, float]:
    return multiclass_metrics(
        frame["sentiment"].to_numpy(),
        vader_labels(frame["vader_compound"].to_numpy(float), threshold),
        SENTIMENTS,
    )


def fit(train_df: pd.DataFrame, valid_df: pd.DataFrame) -> tuple[Any, float, dict[float, float]]:
    """Fit one pipeline per C, keep the best on validation macro-F1."""
    from sklearn.metrics import f1_score

    scores: dict[float, float] = {}
    best: tuple[float, Any] | None = None
    for c in C_GRID:
        pipe = build_pipeline(c).fit(train_df["tokens"].tolist(), train_df["sentiment"].to_numpy())
        scores[c] = float(
            f1_score(valid_df["sentiment"], pipe.predict(valid_df["tokens"].tolist()), average="macro")
        )
        if best is None or scores[c] > scores[best[0]]:
            best = (c, pipe)
    assert best is not None
    return best[1], best[0], scores


def train(ctx: StageContext) -> dict[str, Any]:
    """Fit on the warehouse window, log model and VADER metrics on the same held-out reviews, register."""
    days = ctx.source.train_window_days
    data = etl.window(ctx, SILVER, days, COLUMNS)
    counts = data["sentiment"].value_counts().reindex(list(SENTIMENTS), fill_value=0)
    if len(data) == 0 or counts.min() < MIN_PER_CLASS:
        raise ValueError(
            f"restaurant train: the {days}-day window ending {ctx.ds} has {counts.to_dict()} reviews "
            f"per class; need at least {MIN_PER_CLASS} of each. "
            "Load more days or widen RESTAURANT_TRAIN_WINDOW_DAYS."
        )
    train_df, valid_df, test_df = time_split(data)
    ctx.progress(
        "training restaurant sentiment model",
        rows=len(data),
        split=[len(train_df), len(valid_df), len(test_df)],
    )
    t0 = time.perf_counter()
    pipeline, c, c_scores = fit(train_df, valid_df)
    fit_seconds = time.perf_counter() - t0
    model = SentimentModel(pipeline, "candidate", {})

    proba = model.predict_proba(test_df["tokens"].tolist())
    predicted = np.asarray(SENTIMENTS)[proba.argmax(axis=1)]
    metrics = multiclass_metrics(test_df["sentiment"].to_numpy(), predicted, SENTIMENTS, proba)
    vader_threshold = tune_vader(valid_df)
    base_metrics = vader_metrics(test_df, vader_threshold)
    conventional = vader_metrics(test_df, 0.05)

    run_name = f"restaurant_{ctx.ds}_{ctx.run_id[-8:]}"
    holdout_path = ctx.domain_dir("models", run_name) / "holdout.parquet"
    test_df.to_parquet(holdout_path, index=False)
    clf = pipeline.named_steps["clf"]
    vocabulary = pipeline.named_steps["tfidf"].get_feature_names_out()
    importances = _term_importances(clf, vocabulary)
    meta = {
        "domain": "restaurant",
        # A text model's features are its terms: the strongest ones, with their share of weight.
        "features": list(importances),
        "feature_importances": importances,
        "classes": list(SENTIMENTS),
        "C": c,
        "validation_f1_by_C": {str(k): v for k, v in c_scores.items()},
        "vocabulary_size": len(vocabulary),
        "top_terms": _top_terms(clf, vocabulary),
        "baseline": {
            "name": ctx.spec.baseline,
            "threshold": vader_threshold,
            "metrics": base_metrics,
            "conventional_threshold_metrics": conventional,
        },
        "metrics": metrics,
        "reference_profile": reference_profile(train_df, PROFILE_FEATURES),
        "trained_at": datetime.now(UTC).isoformat(),
        "logical_date": ctx.ds,
        "training_range": {
            "from": str(train_df["review_ts"].min()),
            "to": str(train_df["review_ts"].max()),
            "partitions": sorted(data["ds"].astype(str).unique().tolist()),
        },
        "holdout_path": str(holdout_path),
        "holdout_range": {"from": str(test_df["review_ts"].min()), "to": str(test_df["review_ts"].max())},
    }
    return promotion.register_challenger(
        ctx,
        pipeline,
        flavor="sklearn",
        params={
            "C": c,
            "ngram_range": "1,2",
            "min_df": 2,
            "class_weight": "balanced",
            "train_window_days": days,
        },
        metrics=metrics,
        baseline_metrics=base_metrics,
        extra_metrics={
            "fit_seconds": fit_seconds,
            "train_rows": len(train_df),
            "vader_threshold": vader_threshold,
        },
        meta=meta,
        trained_ds=data["ds"],
        run_name=run_name,
        holdout_path=holdout_path,
    )


def _term_importances(clf: Any, vocabulary: np.ndarray, k: int = 50) -> dict[str, float]:
    """The k terms with the largest coefficient in any class, as shares of their summed weight."""
    strength = np.abs(clf.coef_).max(axis=0)
    top = np.argsort(-strength)[:k]
    total = float(strength[top].sum()) or 1.0
    return {str(vocabulary[j]): round(float(strength[j]) / total, 6) for j in top}


def _top_terms(clf: Any, vocabulary: np.ndarray, k: int = 15) -> dict[str, list[str]]:
    """The strongest terms per class: what /model/features shows as the model's vocabulary of opinion."""
    out = {}
    for i, label in enumerate(clf.classes_):
        top = np.argsort(-clf.coef_[i])[:k]
        out[str(label)] = [str(vocabulary[j]) for j in top]
    return out
