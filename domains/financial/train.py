"""Trains the LSTM with walk-forward validation and measures the random walk and a moving average on the
same windows.

Walk-forward: the last `folds` blocks of `fold_days` trading days are forecast one block at a time by a
model trained only on the `train_days` before the block (the first from scratch, the next ones
fine-tuned from the previous fold's weights). The model registered is the last fold's: it has never
seen the last block, which is kept as the held-out set that validate judges it and the champion on.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from domains.core import model_store, promotion
from domains.core.drift import reference_profile
from domains.core.errors import PermanentError
from domains.core.pipeline import StageContext
from domains.financial import windows
from domains.financial.model import ForecastModel, Network
from domains.financial.schema import FEATURES, INDICATORS

# Baselines: the random walk (tomorrow's price is today's, return 0), and a moving average (tomorrow's
# price is the average of the last MA_BARS closes).
MA_BARS = 5
# Drift is watched on the returns' distribution, plus the features that move most with regimes.
PROFILE_FEATURES = ("log_return", "atr14", "volume_z20", "range")


@dataclass(frozen=True)
class WalkForward:
    """How validation walks through time (in trading days)."""

    folds: int = 3
    fold_days: int = 63
    train_days: int = 1250

    def params(self) -> dict[str, Any]:
        return {f"walk_forward_{k}": v for k, v in asdict(self).items()}


class InsufficientHistoryError(PermanentError, ValueError):
    """Too few trading days in the warehouse to train and walk forward."""


# ----------------------------------------------------------------------------- metrics
def forecast_metrics(
    predicted: np.ndarray, actual: np.ndarray, last_price: np.ndarray | None = None
) -> dict[str, float]:
    """RMSE/MAE of returns (and of prices, given the last prices), directional accuracy, and the
    ratio to the random walk."""
    err = predicted - actual
    rw_rmse = float(np.sqrt(np.mean(actual**2)))
    moved = (actual != 0) & (predicted != 0)
    rmse = float(np.sqrt(np.mean(err**2)))
    prices = {}
    if last_price is not None:
        price_err = last_price * (np.exp(predicted) - np.exp(actual))
        prices = {
            "rmse_price": float(np.sqrt(np.mean(price_err**2))),
            "mae_price": float(np.mean(np.abs(price_err))),
        }
    return {
        "rmse_return": rmse,
        "mae_return": float(np.mean(np.abs(err))),
        **prices,
        "directional_accuracy": float(np.mean(np.sign(predicted[moved]) == np.sign(actual[moved])))
        if moved.any()
        else float("nan"),
        "random_walk_rmse_return": rw_rmse,
        "rmse_ratio_to_random_walk": rmse / rw_rmse if rw_rmse > 0 else float("nan"),
        "n": float(len(actual)),
    }


def moving_average_returns(index: pd.DataFrame, indicators: pd.DataFrame) -> np.ndarray:
    """The moving-average baseline's forecast: log(SMA5 / close) at each window's last bar."""
    key = indicators.set_index(["ticker", "date"])["close_to_sma5"]
    at = key.reindex(pd.MultiIndex.from_arrays([index["ticker"], index["as_of"]]))
    return -at.to_numpy(dtype=float)


def evaluate(model: ForecastModel, holdout: pd.DataFrame) -> dict[str, float]:
    """The model's metrics on the held-out windows (rows flagged `in_holdout`, with their lead-in)."""
    w = windows.build(holdout, model.window)
    keep = (
        w.index.merge(
            holdout[["ticker", "date", "in_holdout"]],
            left_on=["ticker", "as_of"],
            right_on=["ticker", "date"],
            how="left",
        )["in_holdout"]
        .fillna(False)
        .to_numpy(bool)
    )
    w = w.take(keep)
    predicted = model.predict_returns(w.x)
    return forecast_metrics(
        predicted, w.index["target"].to_numpy(float), w.index["adj_close"].to_numpy(float)
    )


# -------------------------------------------------------------------------------- data
def data_signature(ctx: StageContext, config: Any, wf: WalkForward) -> dict[str, Any]:
    """What a model was trained on, from one aggregate query: the last bar, the bar count, the settings."""
    row = ctx.warehouse.read_sql(
        f'SELECT COUNT(*) AS bars, MAX("date") AS last_bar FROM "{INDICATORS.name}" WHERE ds <= :ds',
        {"ds": ctx.ds},
    ).iloc[0]
    return {
        "last_bar": None if row["last_bar"] is None else str(row["last_bar"])[:10],
        "bars": int(row["bars"]),
        "config": {**config.params(), **wf.params()},
    }


def load_indicators(ctx: StageContext) -> pd.DataFrame:
    """Every indicator row loaded up to the run's date, with each bar's next-day target."""
    frame = ctx.warehouse.read_table(INDICATORS, where="ds <= :ds", params={"ds": ctx.ds})
    return windows.with_target(frame.drop(columns=["ds"]))


def fold_bounds(dates: np.ndarray, wf: WalkForward) -> list[tuple[Any, Any, Any]]:
    """(train_from, test_from, test_to) per fold, as window end dates; test_to is exclusive (None: end)."""
    need = wf.folds * wf.fold_days + wf.train_days // 4
    if len(dates) < need:
        raise InsufficientHistoryError(
            f"financial train: {len(dates)} trading days of complete windows; walk-forward needs at least "
            f"{need} ({wf.folds} folds of {wf.fold_days} days and a year of training). Load more history "
            "(the first run loads everything the source has before its date)."
        )
    out = []
    for k in range(wf.folds):
        start = len(dates) - (wf.folds - k) * wf.fold_days
        end = start + wf.fold_days
        out.append(
            (dates[max(start - wf.train_days, 0)], dates[start], dates[end] if end < len(dates) else None)
        )
    return out


def _between(w: windows.Windows, lo: Any, hi: Any) -> np.ndarray:
    as_of = w.index["as_of"].to_numpy()
    mask = as_of >= np.datetime64(lo)
    if hi is not None:
        mask &= as_of < np.datetime64(hi)
    return mask


def holdout_rows(ind: pd.DataFrame, test_from: Any, lead_in: int) -> pd.DataFrame:
    """The indicator rows of the held-out block, plus `lead_in` bars per ticker before it (so a model
    with any window up to that length can be judged on the same forecasts)."""
    in_block = (ind["date"] >= test_from).to_numpy()
    lead_rank = ind.loc[~in_block].groupby("ticker", sort=False).cumcount(ascending=False)
    keep = in_block.copy()
    keep[lead_rank.index.to_numpy()] = (lead_rank < lead_in).to_numpy()
    out = ind.loc[keep].reset_index(drop=True)
    out["in_holdout"] = out["date"] >= test_from
    return out


# ------------------------------------------------------------------------------- train
def _unchanged(ctx: StageContext, signature: dict[str, Any]) -> dict[str, Any] | None:
    """The registered challenger, if it was trained on exactly these bars with these settings."""
    ref = model_store.get_alias(ctx.settings, ctx.spec.registered_model_name, model_store.CHALLENGER)
    if ref is None:
        return None
    try:
        meta = model_store.load_meta(ctx.settings, ref)
    except Exception:
        return None
    if meta.get("data_signature") != signature:
        return None
    gate = ctx.spec.gate.metric
    return {
        "model_name": ref.name,
        "model_version": ref.version,
        "mlflow_run_id": ref.run_id,
        "holdout_path": meta.get("holdout_path"),
        gate: meta["metrics"][gate],
        f"baseline_{gate}": meta["baseline"]["metrics"][gate],
        "skipped": f"no new bars since v{ref.version} was trained (last bar {signature['last_bar']})",
    }


def train(ctx: StageContext) -> dict[str, Any]:
    """Walk forward, log the LSTM with its scaler and window to MLflow, register it as challenger."""
    from domains.financial import lstm

    config, wf = lstm.LstmConfig(), WalkForward()
    signature = data_signature(ctx, config, wf)
    if not signature["bars"]:
        raise InsufficientHistoryError(f"financial train: no indicator rows up to {ctx.ds}; run load first")
    same = _unchanged(ctx, signature)
    if same is not None:  # checked before reading the bars: weekend runs cost one aggregate query
        ctx.progress(same["skipped"])
        return same
    ind = load_indicators(ctx)

    all_w = windows.build(ind, config.window)
    dates = np.sort(all_w.index["as_of"].unique())
    bounds = fold_bounds(dates, wf)
    ctx.progress(
        "training the financial LSTM (walk-forward)",
        windows=len(all_w),
        tickers=int(all_w.index["ticker"].nunique()),
        folds=[[str(pd.Timestamp(d).date()) if d is not None else None for d in b] for b in bounds],
    )
    t0 = time.perf_counter()
    first_train = all_w.take(_between(all_w, bounds[0][0], bounds[0][1]))
    scaler = windows.Scaler.fit(first_train.x)
    target_std = float(first_train.index["target"].std())
    model = lstm.build_model(config, len(FEATURES))
    folds, predicted, tested = [], [], []
    for k, (train_from, test_from, test_to) in enumerate(bounds):
        tr = all_w.take(_between(all_w, train_from, test_from))
        te = all_w.take(_between(all_w, test_from, test_to))
        epochs = config.max_epochs if k == 0 else config.fine_tune_epochs
        fit = lstm.fit(
            model,
            scaler.transform(tr.x),
            (tr.index["target"].to_numpy() / target_std).astype(np.float32),
            config,
            epochs,
            f"fold {k + 1}/{wf.folds}",
        )
        network = Network.from_keras(model)
        forecaster = ForecastModel(network, _meta_core(config, scaler, target_std, (0.0, 0.0)))
        p = forecaster.predict_returns(te.x)
        m = forecast_metrics(p, te.index["target"].to_numpy(float), te.index["adj_close"].to_numpy(float))
        folds.append({"fold": k + 1, "train_windows": len(tr), "test_windows": len(te), **fit, **m})
        ctx.progress(
            f"fold {k + 1}/{wf.folds}: RMSE ratio to the random walk {m['rmse_ratio_to_random_walk']:.4f}, "
            f"directional accuracy {m['directional_accuracy']:.3f}",
            epochs=fit["epochs"],
        )
        predicted.append(p)
        tested.append(te)
    fit_seconds = time.perf_counter() - t0

    test_index = pd.concat([t.index for t in tested], ignore_index=True)
    p_all = np.concatenate(predicted)
    actual = test_index["target"].to_numpy(float)
    last_price = test_index["adj_close"].to_numpy(float)
    walk_forward = forecast_metrics(p_all, actual, last_price)
    ma = forecast_metrics(moving_average_returns(test_index, ind), actual, last_price)
    last = tested[-1]
    holdout_metrics = {k: v for k, v in folds[-1].items() if isinstance(v, float)}
    rw_holdout = forecast_metrics(
        np.zeros(len(last)), last.index["target"].to_numpy(float), last.index["adj_close"].to_numpy(float)
    )
    residuals = actual - p_all
    quantiles = (float(np.quantile(residuals, 0.05)), float(np.quantile(residuals, 0.95)))

    run_name = f"financial_{ctx.ds}_{ctx.run_id[-8:]}"
    folder = ctx.domain_dir("models", run_name)
    holdout_path = folder / "holdout.parquet"
    holdout_rows(ind, bounds[-1][1], lead_in=config.window + 40).to_parquet(holdout_path, index=False)
    weights_path = folder / "weights.npz"
    weights_path.write_bytes(network.to_npz())
    importances = _importances(forecaster, last)
    train_dates = all_w.index["as_of"]
    meta = {
        "domain": "financial",
        **_meta_core(config, scaler, target_std, quantiles),
        "features": list(FEATURES),
        "feature_importances": importances,
        "metrics": holdout_metrics,
        "walk_forward": {"metrics": walk_forward, "folds": folds, "moving_average": ma},
        "beats_random_walk": bool(
            walk_forward["rmse_ratio_to_random_walk"] < 1.0
            and holdout_metrics["rmse_ratio_to_random_walk"] < 1.0
        ),
        "baseline": {
            "name": ctx.spec.baseline,
            "metrics": {**rw_holdout, "rmse_ratio_to_random_walk": 1.0},
            "moving_average_walk_forward": ma,
        },
        "reference_profile": reference_profile(ind.loc[ind["date"] < bounds[-1][1]], PROFILE_FEATURES),
        "data_signature": signature,
        "trained_at": datetime.now(UTC).isoformat(),
        "logical_date": ctx.ds,
        "training_range": {"from": str(bounds[-1][0])[:10], "to": str(bounds[-1][1])[:10]},
        "holdout_path": str(holdout_path),
        "holdout_range": {"from": str(bounds[-1][1])[:10], "to": str(dates[-1])[:10]},
        "tickers": sorted(all_w.index["ticker"].unique().tolist()),
    }
    return promotion.register_challenger(
        ctx,
        model,
        flavor="keras",
        params={**config.params(), **wf.params(), "features": ",".join(FEATURES)},
        metrics=holdout_metrics,
        baseline_metrics=meta["baseline"]["metrics"],
        extra_metrics={
            "fit_seconds": fit_seconds,
            "walk_forward_rmse_ratio_to_random_walk": walk_forward["rmse_ratio_to_random_walk"],
            "walk_forward_directional_accuracy": walk_forward["directional_accuracy"],
            "walk_forward_rmse_return": walk_forward["rmse_return"],
            "moving_average_rmse_ratio_to_random_walk": ma["rmse_ratio_to_random_walk"],
        },
        meta=meta,
        trained_ds=pd.Series(train_dates.dt.strftime("%Y-%m-%d")),
        run_name=run_name,
        holdout_path=holdout_path,
        artifacts={"weights": str(weights_path)},
    )


def _meta_core(
    config: Any, scaler: windows.Scaler, target_std: float, quantiles: tuple[float, float]
) -> dict[str, Any]:
    return {
        "window": config.window,
        "scaler": scaler.to_dict(),
        "target_std": target_std,
        "residual_quantiles": list(quantiles),
    }


def _importances(model: ForecastModel, held_out: windows.Windows, seed: int = 0) -> dict[str, float]:
    """Permutation importance on the held-out windows: how much RMSE grows when a feature is shuffled
    (across windows, whole sequences at a time), as shares of the total growth."""
    rng = np.random.default_rng(seed)
    x, y = held_out.x, held_out.index["target"].to_numpy(float)
    base = float(np.sqrt(np.mean((model.predict_returns(x) - y) ** 2)))
    growth = {}
    for j, name in enumerate(FEATURES):
        shuffled = x.copy()
        shuffled[:, :, j] = x[rng.permutation(len(x)), :, j]
        growth[name] = max(float(np.sqrt(np.mean((model.predict_returns(shuffled) - y) ** 2))) - base, 0.0)
    total = sum(growth.values()) or 1.0
    return {k: round(v / total, 6) for k, v in growth.items()}
