"""Financial serving contract: a ticker (latest warehouse window) or an explicit window of daily bars in,
the next trading day's forecast return and close, an interval, and whether the model beats the random
walk out. A batch is one network call, whatever mix of tickers and bar windows it holds."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from domains.core import model_store
from domains.core.serving import DomainService, LoadedModel, ModelSmokeTestError
from domains.core.settings import Settings
from domains.core.warehouse import Warehouse
from domains.financial import forecast, indicators, windows
from domains.financial.lstm import LstmConfig
from domains.financial.model import ForecastModel
from domains.financial.schema import INDICATORS, TICKER_PATTERN
from domains.financial.source import ticker_symbols
from domains.financial.spec import SPEC

# An explicit window must cover the model's window plus the indicators' warm-up.
MIN_BARS = LstmConfig().window + indicators.WARMUP_BARS
MAX_BARS = 1_000

EXAMPLE: dict[str, Any] = {"ticker": ticker_symbols(1)[0]}


class Bar(BaseModel):
    """One daily bar as the export has it (adj_close defaults to close: no split in the window)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    # Not strict: requests may be validated from parsed JSON, where a date is always an ISO string.
    date: dt.date = Field(strict=False, description="Trading day, YYYY-MM-DD")
    open: float = Field(gt=0, le=1e7)
    high: float = Field(gt=0, le=1e7)
    low: float = Field(gt=0, le=1e7)
    close: float = Field(gt=0, le=1e7)
    adj_close: float | None = Field(default=None, gt=0, le=1e9)
    volume: float = Field(ge=0, le=1e13)

    @model_validator(mode="after")
    def _consistent(self) -> Bar:
        if self.high < self.low:
            raise ValueError("high is below low")
        tol = 1e-4 * self.high
        if not (
            self.low - tol <= self.open <= self.high + tol and self.low - tol <= self.close <= self.high + tol
        ):
            raise ValueError("open and close must lie between low and high")
        return self


class ForecastRequest(BaseModel):
    """Either a ticker the warehouse holds, or that ticker's recent bars; not both."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE]})

    ticker: str | None = Field(
        default=None, pattern=TICKER_PATTERN, description="Forecast from the warehouse"
    )
    bars: list[Bar] | None = Field(
        default=None,
        min_length=MIN_BARS,
        max_length=MAX_BARS,
        description=f"At least {MIN_BARS} consecutive daily bars, oldest first",
    )

    @model_validator(mode="after")
    def _one_of(self) -> ForecastRequest:
        if (self.ticker is None) == (self.bars is None):
            raise ValueError("send exactly one of ticker or bars")
        if self.bars is not None:
            dates = [b.date for b in self.bars]
            if any(b <= a for a, b in itertools.pairwise(dates)):
                raise ValueError("bars must be in strictly increasing date order, one per day")
        return self


class Interval(BaseModel):
    level: float = Field(description="Share of validation forecasts whose error fell inside")
    lower_close: float
    upper_close: float


class Forecast(BaseModel):
    ticker: str | None
    found: bool = Field(description="False when the warehouse has no complete recent window for the ticker")
    as_of: dt.date | None = Field(description="Date of the last bar the forecast rests on")
    target_date: dt.date | None = Field(description="The trading day forecast")
    last_close: float | None
    predicted_return: float | None = Field(description="Next-day log return")
    predicted_close: float | None
    direction: Literal["up", "down", "unknown"]
    interval: Interval | None
    model_version: str
    beats_random_walk: bool = Field(description="Whether this model beat the random walk in validation")
    validation_rmse_ratio_to_random_walk: float | None


@dataclass
class ServedForecaster:
    model: ForecastModel
    warehouse: Warehouse


def _latest_bar(wh: Warehouse) -> dt.date | None:
    if not wh.has_table(INDICATORS.name):
        return None
    value = wh.scalar(f'SELECT MAX("date") FROM "{INDICATORS.name}"')
    return None if value is None else dt.date.fromisoformat(str(value)[:10])


def _request_bars(records: Sequence[ForecastRequest]) -> pd.DataFrame:
    frames = []
    for i, r in enumerate(records):
        if r.bars is None:
            continue
        f = pd.DataFrame([b.model_dump() for b in r.bars])
        f["adj_close"] = f["adj_close"].fillna(f["close"]).astype(float)
        frames.append(f.assign(ticker=f"#{i}", date=pd.to_datetime(f["date"])))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


class FinancialService(DomainService):
    """Forecasts next-day returns and closes with the champion LSTM (run in NumPy)."""

    spec: ClassVar = SPEC
    record_model: ClassVar = ForecastRequest
    prediction_model: ClassVar = Forecast
    example: ClassVar = EXAMPLE
    outcome_field: ClassVar = "direction"

    def load_model(self, settings: Settings, ref: model_store.ModelRef) -> LoadedModel:
        model = ForecastModel.load(settings, ref)
        return LoadedModel(
            ref.name,
            ref.version,
            ref.run_id,
            ServedForecaster(model, Warehouse(settings.warehouse_url)),
            model.meta,
        )

    def _windows(self, served: ServedForecaster, records: Sequence[ForecastRequest]) -> windows.Windows:
        """Every request's latest window, stacked in one array (warehouse tickers read in one query)."""
        window = served.model.window
        parts: list[windows.Windows] = []
        tickers = sorted({r.ticker for r in records if r.ticker is not None})
        latest = _latest_bar(served.warehouse) if tickers else None
        if latest is not None:
            bars = forecast.recent_bars(served.warehouse, latest + dt.timedelta(days=1), tickers)
            parts.append(forecast.latest_windows(bars, window))
        explicit = _request_bars(records)
        if len(explicit):
            parts.append(forecast.latest_windows(windows.with_target(indicators.compute(explicit)), window))
        parts = [p for p in parts if len(p)]
        if not parts:
            return windows.Windows(np.zeros((0, window, 0), np.float32), pd.DataFrame(columns=["ticker"]))
        return windows.Windows(
            np.concatenate([p.x for p in parts]), pd.concat([p.index for p in parts], ignore_index=True)
        )

    def predict(self, model: LoadedModel, records: Sequence[BaseModel]) -> list[dict[str, Any]]:
        served: ServedForecaster = model.impl
        reqs: list[ForecastRequest] = list(records)  # type: ignore[arg-type]
        w = self._windows(served, reqs)
        made = forecast.forecast(served.model, w).set_index("ticker") if len(w) else pd.DataFrame()
        meta = model.meta
        ratio = meta.get("metrics", {}).get("rmse_ratio_to_random_walk")
        common = {
            "model_version": model.version,
            "beats_random_walk": bool(meta.get("beats_random_walk", False)),
            "validation_rmse_ratio_to_random_walk": float(ratio) if ratio is not None else None,
        }
        out = []
        for i, r in enumerate(reqs):
            key = r.ticker if r.ticker is not None else f"#{i}"
            if key not in made.index:
                out.append(
                    {
                        "ticker": r.ticker,
                        "found": False,
                        "as_of": None,
                        "target_date": None,
                        "last_close": None,
                        "predicted_return": None,
                        "predicted_close": None,
                        "direction": "unknown",
                        "interval": None,
                        **common,
                    }
                )
                continue
            f = made.loc[key]
            ret = float(f["predicted_return"])
            out.append(
                {
                    "ticker": r.ticker,
                    "found": True,
                    "as_of": str(f["as_of"]),
                    "target_date": str(f["target_date"]),
                    "last_close": float(f["last_close"]),
                    "predicted_return": ret,
                    "predicted_close": float(f["predicted_close"]),
                    "direction": "up" if ret > 0 else "down",
                    "interval": {
                        "level": 0.9,
                        "lower_close": float(f["lower_close"]),
                        "upper_close": float(f["upper_close"]),
                    },
                    **common,
                }
            )
        return out

    def check_prediction(self, model: LoadedModel, prediction: dict[str, Any]) -> None:
        ret = prediction.get("predicted_return")
        if prediction.get("found") and not (ret is not None and math.isfinite(ret) and abs(ret) < 0.5):
            raise ModelSmokeTestError(f"v{model.version} forecast a next-day log return of {ret}")


SERVICE = FinancialService()
