"""Model behaviour: the NumPy network is the Keras network; the LSTM learns the planted signal and beats
the random walk; on a pure random walk it is not promoted, and the run still succeeds and says so."""

from __future__ import annotations

from typing import Any

import numpy as np

from domains.core import model_store, promotion
from domains.core.pipeline import make_context, run_pipeline
from domains.core.settings import get_settings
from domains.financial.model import ForecastModel, Network
from domains.financial.source import generate_market, to_raw
from domains.financial.windows import Scaler


def test_numpy_network_matches_keras() -> None:
    from domains.financial.lstm import LstmConfig, build_model

    config = LstmConfig(window=7, units=6, dense_units=4)
    keras_model = build_model(config, 5)
    x = np.random.default_rng(0).normal(size=(64, 7, 5)).astype(np.float32)
    expected = keras_model.predict(x, verbose=0)[:, 0]
    net = Network.from_keras(keras_model)
    np.testing.assert_allclose(net(x), expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(Network.from_npz(net.to_npz())(x), net(x))


def test_scaler_is_fitted_on_training_windows_only_and_clips() -> None:
    x = np.random.default_rng(1).normal(5, 2, size=(500, 4, 3))
    scaler = Scaler.fit(x)
    scaled = scaler.transform(x)
    assert abs(scaled.mean()) < 0.05 and abs(scaled.std() - 1) < 0.05
    assert scaler.transform(np.full((1, 4, 3), 1e6)).max() == scaler.clip


def test_lstm_learns_the_planted_signal_and_beats_the_random_walk(financial_env: dict[str, Any]) -> None:
    result = financial_env["results"][-1]
    assert result["validate"]["promoted"] is True, result["validate"]["reasons"]
    settings = get_settings()
    ref = model_store.get_alias(settings, "financial_model", model_store.CHAMPION)
    model = ForecastModel.load(settings, ref)
    wf = model.meta["walk_forward"]["metrics"]
    assert wf["rmse_ratio_to_random_walk"] < 0.99 and wf["directional_accuracy"] > 0.53
    assert model.meta["walk_forward"]["moving_average"]["rmse_ratio_to_random_walk"] > 1.0
    # What it learnt is the planted reversion: yesterday's move and the distance to the 5-day average.
    top = sorted(model.meta["feature_importances"].items(), key=lambda kv: -kv[1])[:3]
    assert {"log_return", "close_to_sma5"} & {name for name, _ in top}
    assert len(model.meta["walk_forward"]["folds"]) == 3


def test_unchanged_data_does_not_retrain(financial_env: dict[str, Any]) -> None:
    day = financial_env["results"][-1]["train"]
    again = run_pipeline("financial", "2026-11-19", stages=("train",))
    assert again["train"]["model_version"] == day["model_version"] and "skipped" in again["train"]


def test_on_a_pure_random_walk_the_lstm_is_not_promoted(isolated_env, tmp_path, monkeypatch) -> None:
    bars = generate_market("2026-11-18", 8, signal=0.0)
    path = tmp_path / "random_walk.csv"
    to_raw(bars, dirty_share=0.0).to_pandas().drop(columns=["_raw"]).to_csv(path, index=False)
    monkeypatch.setenv("FINANCIAL_SOURCE", str(path))
    out = run_pipeline("financial", "2026-11-19")
    assert out["validate"]["promoted"] is False
    assert out["validate"]["champion_version"] is None
    assert "does not beat" in " ".join(out["validate"]["reasons"]) or "not below" in " ".join(
        out["validate"]["reasons"]
    )
    assert "no model beats the random walk" in out["validate"]["verdict"]
    assert out["health_check"]["mode"] == "no_champion"
    assert promotion.current_champion(make_context("financial", "2026-11-19")) is None


def test_nothing_the_dag_or_the_api_imports_loads_tensorflow() -> None:
    import subprocess
    import sys

    code = (
        "import sys, api.financial, dags.financial_pipeline, domains.financial.pipeline, "
        "domains.financial.serving; print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
