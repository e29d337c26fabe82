"""Fitting the Keras LSTM: fixed seeds, early stopping on the latest training dates, CPU threads capped.

Only the train stage imports this module (and with it TensorFlow).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from domains.core.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class LstmConfig:
    """Network and optimiser settings (logged as the MLflow run's parameters)."""

    window: int = 20
    units: int = 32
    dense_units: int = 16
    dropout: float = 0.1
    learning_rate: float = 1e-3
    batch_size: int = 256
    max_epochs: int = 20
    patience: int = 3
    # Later walk-forward folds start from the previous fold's weights and need fewer epochs.
    fine_tune_epochs: int = 6
    validation_share: float = 0.1
    seed: int = 42

    def params(self) -> dict[str, Any]:
        return {f"lstm_{k}": v for k, v in asdict(self).items()}


def _tensorflow() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    threads = os.cpu_count() or 1
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # already initialised in this process: keep what it has
        pass
    return tf


def build_model(config: LstmConfig, n_features: int) -> Any:
    tf = _tensorflow()
    keras = tf.keras
    keras.utils.set_random_seed(config.seed)
    model = keras.Sequential(
        [
            keras.layers.Input((config.window, n_features)),
            keras.layers.LSTM(config.units),
            keras.layers.Dropout(config.dropout, seed=config.seed),
            keras.layers.Dense(config.dense_units, activation="relu"),
            keras.layers.Dense(1, activation="linear"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse")
    return model


def fit(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    config: LstmConfig,
    epochs: int,
    label: str,
) -> dict[str, Any]:
    """Fit on time-ordered `x`, `y`; the latest `validation_share` of rows decides when to stop."""
    tf = _tensorflow()
    keras = tf.keras
    keras.utils.set_random_seed(config.seed)
    n_val = max(int(len(x) * config.validation_share), 1)
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=config.patience, restore_best_weights=True
    )

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            log.info(
                f"{label}: epoch {epoch + 1}/{epochs} loss {logs.get('loss', float('nan')):.4f} "
                f"val_loss {logs.get('val_loss', float('nan')):.4f}"
            )

    history = model.fit(
        x[:-n_val],
        y[:-n_val],
        validation_data=(x[-n_val:], y[-n_val:]),
        epochs=epochs,
        batch_size=config.batch_size,
        shuffle=True,
        callbacks=[stop, Progress()],
        verbose=0,
    )
    losses = history.history.get("val_loss", [])
    return {
        "epochs": len(losses),
        "best_epoch": int(np.argmin(losses)) + 1 if losses else 0,
        "best_val_loss": float(np.min(losses)) if losses else float("nan"),
    }
