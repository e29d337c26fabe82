"""Training of a calibrated binary risk model against a named baseline, shared by the domains that
predict a person-level event (readmission, attrition): split by person, fit, calibrate, compare,
break metrics down by group, and register the challenger."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from domains.core import promotion
from domains.core.boosted import calibration_error, fit_platt, xgb_importances
from domains.core.drift import reference_profile
from domains.core.metrics import best_f1_threshold, classification_metrics
from domains.core.pipeline import StageContext

XGB_PARAMS: dict[str, Any] = {
    # Shallow, slow and patient: a few thousand people a run, mostly additive signal with a few
    # interactions; deeper trees overfit before they find them.
    "n_estimators": 1500,
    "max_depth": 3,
    "learning_rate": 0.03,
    "subsample": 0.85,
    "colsample_bytree": 0.8,
    "min_child_weight": 10,
    "reg_lambda": 2.0,
    "tree_method": "hist",
    "eval_metric": "logloss",
    "early_stopping_rounds": 150,
    "random_state": 42,
    "n_jobs": 2,
}


LOGISTIC_REGRESSION = "logistic_regression"


@dataclass
class Baseline:
    """A named baseline: how to fit it on the training rows and score any rows."""

    name: str
    fit: Callable[[pd.DataFrame, np.ndarray], Any]
    score: Callable[[Any, pd.DataFrame], np.ndarray]


@dataclass
class RiskProblem:
    """What one domain trains: its rows, label, person key, features and baseline."""

    data: pd.DataFrame
    target: str
    person_key: str
    features: Sequence[str]
    baseline: Baseline
    monotone: Mapping[str, int] = field(default_factory=dict)
    group_columns: Sequence[str] = ()
    min_group_rows: int = 30
    extra_meta: Mapping[str, Any] = field(default_factory=dict)


def person_split(keys: pd.Series, valid: float = 0.15, test: float = 0.15) -> np.ndarray:
    """0 train / 1 valid / 2 test per row, by a stable hash of the person: a person's rows stay together,
    so the model is judged on people it never saw."""
    h = np.array(
        [int(hashlib.md5(str(k).encode()).hexdigest()[:8], 16) for k in keys.unique()], dtype=np.int64
    )
    u = pd.Series(h / 0xFFFFFFFF, index=keys.unique())
    share = keys.map(u).to_numpy(dtype=float)
    return np.where(share < 1 - valid - test, 0, np.where(share < 1 - test, 1, 2))


def fit_logistic(x: pd.DataFrame, y: np.ndarray) -> Any:
    """Logistic regression on standardised, imputed columns (the usual tabular baseline)."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )
    return model.fit(x.to_numpy(dtype=float), y)


def logistic_baseline(features: Sequence[str]) -> Baseline:
    """Logistic regression on the model's own features: the baseline a risk model must beat."""
    columns = list(features)

    def score(model: Any, frame: pd.DataFrame) -> np.ndarray:
        return model.predict_proba(frame[columns].to_numpy(dtype=float))[:, 1]

    return Baseline(LOGISTIC_REGRESSION, lambda train, y: fit_logistic(train[columns], y), score)


def group_metrics(
    frame: pd.DataFrame, y: np.ndarray, p: np.ndarray, columns: Sequence[str], min_rows: int
) -> dict[str, Any]:
    """Per group of each column: rows, observed and predicted rate, ROC-AUC; and the AUC gap per column.

    Groups with fewer than `min_rows` rows, or only one class, get no AUC (too noisy to compare).
    """
    from sklearn.metrics import roc_auc_score

    out: dict[str, Any] = {}
    for column in columns:
        groups = {}
        for value, idx in frame.groupby(frame[column].astype("str")).indices.items():
            yy, pp = y[idx], p[idx]
            ok = len(idx) >= min_rows and 0 < yy.sum() < len(yy)
            groups[value] = {
                "rows": len(idx),
                "observed_rate": round(float(yy.mean()), 5),
                "mean_risk": round(float(pp.mean()), 5),
                "roc_auc": round(float(roc_auc_score(yy, pp)), 5) if ok else None,
            }
        aucs = [g["roc_auc"] for g in groups.values() if g["roc_auc"] is not None]
        out[column] = {
            "groups": groups,
            "auc_gap": round(max(aucs) - min(aucs), 5) if len(aucs) > 1 else None,
        }
    return out


def train_risk_model(ctx: StageContext, problem: RiskProblem) -> dict[str, Any]:
    """Fit XGBoost and the baseline on the same person-level split, calibrate, and register the challenger."""
    import xgboost as xgb

    data = problem.data.reset_index(drop=True)
    features = list(problem.features)
    y_all = data[problem.target].to_numpy(dtype=int)
    fold = person_split(data[problem.person_key])
    parts = [data.loc[fold == i].reset_index(drop=True) for i in range(3)]
    ys = [y_all[fold == i] for i in range(3)]
    train_df, valid_df, test_df = parts
    if min(int(v.sum()) for v in ys) < 5:
        raise ValueError(
            f"{ctx.spec.name} train: too few positives per split ({[int(v.sum()) for v in ys]}); "
            "load more days or widen the train window"
        )
    ctx.progress(
        f"training {ctx.spec.name} model",
        rows=len(data),
        positives=int(y_all.sum()),
        split=[len(p) for p in parts],
    )
    t0 = time.perf_counter()
    pos = max(int(ys[0].sum()), 1)
    model = xgb.XGBClassifier(
        **XGB_PARAMS,
        # sqrt of the imbalance: learns the rare class without flattening scores (calibration fixes the level)
        scale_pos_weight=min(((len(ys[0]) - pos) / pos) ** 0.5, 50.0),
        monotone_constraints={f: problem.monotone.get(f, 0) for f in features},
    )
    model.fit(train_df[features], ys[0], eval_set=[(valid_df[features], ys[1])], verbose=False)
    fit_seconds = time.perf_counter() - t0
    best = int(getattr(model, "best_iteration", model.get_booster().num_boosted_rounds() - 1))
    trees = (0, best + 1)

    def margin(frame: pd.DataFrame) -> np.ndarray:
        return model.predict(frame[features], output_margin=True, iteration_range=trees)

    calibration = fit_platt(margin(valid_df), ys[1])

    def proba(frame: pd.DataFrame) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(calibration["a"] * margin(frame) + calibration["b"])))

    base_model = problem.baseline.fit(train_df, ys[0])
    threshold = best_f1_threshold(ys[1], proba(valid_df))
    base_threshold = best_f1_threshold(ys[1], problem.baseline.score(base_model, valid_df))
    p_test = proba(test_df)
    p_base = problem.baseline.score(base_model, test_df)
    metrics = classification_metrics(ys[2], p_test, threshold)
    metrics["calibration_error"] = calibration_error(ys[2], p_test)
    base_metrics = classification_metrics(ys[2], p_base, base_threshold)
    base_metrics["calibration_error"] = calibration_error(ys[2], p_base)
    # Logistic regression on the same features as a reference, unless it already is the baseline.
    if problem.baseline.name == LOGISTIC_REGRESSION:
        logreg_metrics = base_metrics
    else:
        logreg = fit_logistic(train_df[features], ys[0])
        logreg_metrics = classification_metrics(
            ys[2], logreg.predict_proba(test_df[features].to_numpy(dtype=float))[:, 1], 0.5
        )
    by_group = group_metrics(test_df, ys[2], p_test, problem.group_columns, problem.min_group_rows)
    valid_p = proba(valid_df)
    bands = {"medium": float(np.quantile(valid_p, 0.70)), "high": float(np.quantile(valid_p, 0.90))}

    run_name = f"{ctx.spec.name}_{ctx.ds}_{ctx.run_id[-8:]}"
    holdout_path = ctx.domain_dir("models", run_name) / "holdout.parquet"
    test_df.to_parquet(holdout_path, index=False)
    meta = {
        "domain": ctx.spec.name,
        "features": features,
        "threshold": threshold,
        "calibration": calibration,
        "risk_bands": bands,
        "baseline": {"name": problem.baseline.name, "threshold": base_threshold, "metrics": base_metrics},
        "logistic_regression": logreg_metrics,
        "metrics": metrics,
        "by_group": by_group,
        "feature_importances": xgb_importances(model, features),
        "reference_profile": reference_profile(train_df, features),
        "trained_at": datetime.now(UTC).isoformat(),
        "logical_date": ctx.ds,
        "training_range": {"partitions": sorted(data["ds"].astype(str).unique().tolist())},
        "holdout_path": str(holdout_path),
        "best_iteration": best,
        **problem.extra_meta,
    }
    gaps = {f"auc_gap_{c}": v["auc_gap"] for c, v in by_group.items() if v["auc_gap"] is not None}
    result = promotion.register_challenger(
        ctx,
        model,
        flavor="xgboost",
        params={
            **XGB_PARAMS,
            "scale_pos_weight": model.get_params()["scale_pos_weight"],
            "features": ",".join(features),
            "threshold": threshold,
            "calibration": "platt",
            "baseline": problem.baseline.name,
        },
        metrics=metrics,
        baseline_metrics=base_metrics,
        extra_metrics={
            "fit_seconds": fit_seconds,
            "train_rows": len(train_df),
            "train_positives": int(ys[0].sum()),
            **{f"logreg_{k}": v for k, v in logreg_metrics.items() if k in ("roc_auc", "pr_auc", "brier")},
            **gaps,
        },
        meta=meta,
        trained_ds=data["ds"],
        run_name=run_name,
        holdout_path=holdout_path,
    )
    return {**result, "threshold": threshold, **gaps}
