"""The served forecaster: the trained LSTM's weights run in NumPy, with its scaler and window length.

Training uses Keras; serving, validation and the health check run the same network in NumPy from the
weights logged beside the Keras model in MLflow, so nothing that a DAG file or the API imports needs
TensorFlow (a 5 s, 0.5 GB import). A test holds the two to the same outputs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from domains.core import model_store
from domains.core.settings import Settings
from domains.financial.windows import Scaler

WEIGHTS_ARTIFACT = "weights/weights.npz"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # overflow-free, and what Keras computes


@dataclass
class Network:
    """One LSTM layer (Keras gate order i, f, c, o) followed by dense layers."""

    kernel: np.ndarray
    recurrent: np.ndarray
    bias: np.ndarray
    dense: list[tuple[np.ndarray, np.ndarray, str]]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Outputs for a batch of scaled windows (n, steps, features), all in one pass."""
        n, steps, _ = x.shape
        units = self.recurrent.shape[0]
        h = np.zeros((n, units), np.float32)
        c = np.zeros((n, units), np.float32)
        # The input projection for every step at once; only the recurrence is sequential.
        projected = x.astype(np.float32) @ self.kernel + self.bias
        for t in range(steps):
            z = projected[:, t] + h @ self.recurrent
            i, f = _sigmoid(z[:, :units]), _sigmoid(z[:, units : 2 * units])
            g, o = np.tanh(z[:, 2 * units : 3 * units]), _sigmoid(z[:, 3 * units :])
            c = f * c + i * g
            h = o * np.tanh(c)
        out = h
        for w, b, activation in self.dense:
            out = out @ w + b
            if activation == "relu":
                out = np.maximum(out, 0)
        return out[:, 0]

    def to_npz(self) -> bytes:
        arrays = {"kernel": self.kernel, "recurrent": self.recurrent, "bias": self.bias}
        for k, (w, b, act) in enumerate(self.dense):
            arrays[f"dense{k}_w"], arrays[f"dense{k}_b"] = w, b
            arrays[f"dense{k}_act"] = np.array(act)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    @classmethod
    def from_npz(cls, data: bytes) -> Network:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            dense = []
            k = 0
            while f"dense{k}_w" in z:
                dense.append((z[f"dense{k}_w"], z[f"dense{k}_b"], str(z[f"dense{k}_act"])))
                k += 1
            return cls(z["kernel"], z["recurrent"], z["bias"], dense)

    @classmethod
    def from_keras(cls, model: Any) -> Network:
        """Copy the weights out of the Keras model train built (LSTM, then Dense layers)."""
        layers = [layer for layer in model.layers if layer.weights]
        kernel, recurrent, bias = (np.asarray(w, np.float32) for w in layers[0].get_weights())
        dense = []
        for layer in layers[1:]:
            w, b = layer.get_weights()
            dense.append((np.asarray(w, np.float32), np.asarray(b, np.float32), layer.activation.__name__))
        return cls(kernel, recurrent, bias, dense)


class ForecastModel:
    """Next-day log return from raw indicator windows: scale, run the network, undo the target scale."""

    def __init__(self, network: Network, meta: dict[str, Any], name: str = "", version: str = "") -> None:
        self.network, self.meta = network, meta
        self.name, self.version = name, version
        self.window = int(meta["window"])
        self.scaler = Scaler.from_dict(meta["scaler"])
        self.target_std = float(meta["target_std"])

    def predict_returns(self, x: np.ndarray, batch: int = 8192) -> np.ndarray:
        """Forecast for raw (unscaled) windows of shape (n, window, features)."""
        if x.shape[0] == 0:
            return np.zeros(0)
        if x.shape[1] != self.window:
            raise ValueError(f"windows have {x.shape[1]} bars; this model reads {self.window}")
        out = [self.network(self.scaler.transform(x[i : i + batch])) for i in range(0, len(x), batch)]
        return np.concatenate(out).astype(np.float64) * self.target_std

    @property
    def interval(self) -> tuple[float, float]:
        """The 5th and 95th percentile of validation residuals (return units)."""
        lo, hi = self.meta["residual_quantiles"]
        return float(lo), float(hi)

    @classmethod
    def load(cls, settings: Settings, ref: model_store.ModelRef) -> ForecastModel:
        meta = model_store.load_meta(settings, ref)
        with open(model_store.artifact_path(settings, ref, WEIGHTS_ARTIFACT), "rb") as fh:
            network = Network.from_npz(fh.read())
        return cls(network, meta, ref.name, ref.version)
