"""Fraud's serving contract: the transaction a client sends, its features, and the scored answer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from domains.core import model_store
from domains.core.serving import DomainService, LoadedModel, ModelSmokeTestError
from domains.core.settings import Settings
from domains.fraud.features import amount_zscore, haversine_km, is_night
from domains.fraud.model import FraudModel
from domains.fraud.schema import CATEGORIES
from domains.fraud.spec import SPEC

# Subscripting with the tuple spells Literal["entertainment", ...]: one list of categories.
Category = Literal[CATEGORIES]  # type: ignore[valid-type]

EXAMPLE: dict[str, Any] = {
    "amt": 912.4,
    "category": "shopping_net",
    "trans_ts": "2026-11-20T23:41:07Z",
    "lat": 40.7128,
    "long": -74.006,
    "merch_lat": 41.2033,
    "merch_long": -75.9,
    "city_pop": 8_336_817,
    "gender": "F",
    "age": 34.5,
    "card_tx_last_1h": 3,
    "card_amount_last_1h": 1850.0,
    "card_tx_last_24h": 5,
    "card_amount_last_24h": 2210.5,
    "card_history_n": 42,
    "card_amount_mean": 61.2,
    "card_amount_std": 48.9,
    "card_category_share": 0.05,
}


class FraudTransaction(BaseModel):
    """One card transaction plus the card's recent activity, as a feature store would supply it.

    Card-activity fields count earlier transactions only (not this one), mirroring how the
    pipeline computes velocity, z-score and habit features in domains/fraud/features.py.
    """

    # strict: `true` is not an amount and "12" is not a count. FastAPI validates decoded JSON in
    # Python mode, so the timestamp alone stays lax: it arrives as an ISO string.
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE]})

    amt: float = Field(gt=0, le=100_000, description="Amount in USD")
    category: Category = Field(description="Merchant category")
    trans_ts: datetime = Field(strict=False, description="Transaction time; naive means UTC")
    lat: float = Field(ge=-90, le=90, description="Cardholder latitude")
    long: float = Field(ge=-180, le=180, description="Cardholder longitude")
    merch_lat: float = Field(ge=-90, le=90)
    merch_long: float = Field(ge=-180, le=180)
    city_pop: int = Field(ge=0, le=50_000_000, description="Population of the cardholder's city")
    gender: Literal["F", "M"] | None = None
    age: float | None = Field(default=None, ge=10, le=120)
    card_tx_last_1h: int = Field(default=0, ge=0, le=100_000, description="Earlier transactions, last hour")
    card_amount_last_1h: float = Field(default=0.0, ge=0, le=10_000_000)
    card_tx_last_24h: int = Field(
        default=0, ge=0, le=1_000_000, description="Earlier transactions, last 24 h"
    )
    card_amount_last_24h: float = Field(default=0.0, ge=0, le=100_000_000)
    card_history_n: int = Field(default=0, ge=0, le=10_000_000, description="Earlier transactions on record")
    card_amount_mean: float | None = Field(default=None, ge=0, le=100_000)
    card_amount_std: float | None = Field(default=None, ge=0, le=100_000)
    card_category_share: float | None = Field(
        default=None, ge=0, le=1, description="Share of earlier transactions in this category"
    )

    @field_validator("card_tx_last_24h")
    @classmethod
    def _day_covers_hour(cls, value: int, info: Any) -> int:
        hour = info.data.get("card_tx_last_1h")
        if hour is not None and value < hour:
            raise ValueError(f"must be >= card_tx_last_1h ({hour}): the last 24 h include the last hour")
        return value


class RiskFactor(BaseModel):
    feature: str
    value: float | None
    contribution: float = Field(description="Push towards fraud, in log-odds")


class FraudPrediction(BaseModel):
    fraud_probability: float
    is_fraud: bool
    decision: Literal["review", "approve"]
    threshold: float
    model_version: str
    risk_factors: list[RiskFactor]


def _column(records: Sequence[FraudTransaction], name: str) -> np.ndarray:
    return np.array([getattr(r, name) for r in records], dtype=float)


def _optional(records: Sequence[FraudTransaction], name: str) -> np.ndarray:
    return np.array([math.nan if (v := getattr(r, name)) is None else v for r in records], dtype=float)


def _utc_hour(ts: datetime) -> int:
    return ts.astimezone(UTC).hour if ts.tzinfo is not None else ts.hour


def feature_frame(records: Sequence[FraudTransaction], category_risk: dict[str, float | None]) -> dict:
    """Model features for a batch of requests, computed as the pipeline computes them."""
    amt = _column(records, "amt")
    hour = np.array([_utc_hour(r.trans_ts) for r in records], dtype=float)
    history = _column(records, "card_history_n")
    z = amount_zscore(
        amt, history, _optional(records, "card_amount_mean"), _optional(records, "card_amount_std")
    )
    share = np.where(history > 0, _optional(records, "card_category_share"), np.nan)
    risk = np.array(
        [math.nan if (v := category_risk.get(r.category)) is None else v for r in records], dtype=float
    )
    return {
        "amt": amt,
        "amt_log": np.log1p(amt),
        "amt_zscore_card": z,
        "card_history_n": history,
        "hour": hour,
        "is_night": is_night(hour).astype(float),
        "vel_count_1h": _column(records, "card_tx_last_1h") + 1,
        "vel_amount_1h": _column(records, "card_amount_last_1h") + amt,
        "vel_count_24h": _column(records, "card_tx_last_24h") + 1,
        "vel_amount_24h": _column(records, "card_amount_last_24h") + amt,
        "distance_km": haversine_km(
            _column(records, "lat"),
            _column(records, "long"),
            _column(records, "merch_lat"),
            _column(records, "merch_long"),
        ),
        "category_risk": risk,
        "cat_share_card": share,
        "age": _optional(records, "age"),
        "city_pop_log": np.log1p(_column(records, "city_pop")),
        "gender_m": np.array([math.nan if r.gender is None else float(r.gender == "M") for r in records]),
    }


class FraudService(DomainService):
    """Scores transactions with the fraud champion and names the factors that raised each score."""

    spec: ClassVar = SPEC
    record_model: ClassVar = FraudTransaction
    prediction_model: ClassVar = FraudPrediction
    example: ClassVar = EXAMPLE

    def load_model(self, settings: Settings, ref: model_store.ModelRef) -> LoadedModel:
        model = FraudModel.load(settings, ref)
        # One scoring thread per call: the API scores in a worker while the event loop parses.
        model.booster.set_param({"nthread": 1})
        return LoadedModel(ref.name, ref.version, ref.run_id, model, model.meta)

    def predict(self, model: LoadedModel, records: Sequence[BaseModel]) -> list[dict[str, Any]]:
        fraud: FraudModel = model.impl
        columns = feature_frame(records, model.meta.get("category_risk") or {})  # type: ignore[arg-type]
        values = np.column_stack([columns[f] for f in fraud.features]).astype(np.float32)
        proba, reasons = fraud.score_with_reasons(values)
        threshold = round(float(fraud.threshold), 6)
        version = model.version
        return [
            {
                "fraud_probability": p,
                "is_fraud": p >= threshold,
                "decision": "review" if p >= threshold else "approve",
                "threshold": threshold,
                "model_version": version,
                "risk_factors": r,
            }
            for p, r in zip(proba.round(6).tolist(), reasons, strict=True)
        ]

    def check_prediction(self, model: LoadedModel, prediction: dict[str, Any]) -> None:
        p = prediction.get("fraud_probability")
        if not isinstance(p, float) or not 0.0 <= p <= 1.0:
            raise ModelSmokeTestError(f"v{model.version} scored the example {p!r}, not a probability")


SERVICE = FraudService()
