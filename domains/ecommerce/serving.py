"""E-commerce serving contract: a customer id (history read from the warehouse) or explicit history in,
segment, RFM scores and predicted spend over the horizon out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from domains.core import model_store
from domains.core.serving import DomainService, LoadedModel, ModelSmokeTestError
from domains.core.settings import Settings
from domains.core.warehouse import Warehouse, in_clause
from domains.ecommerce import rfm
from domains.ecommerce.model import ValueModel
from domains.ecommerce.schema import GOLD_CUSTOMER_DAILY, GOLD_DAILY, GOLD_RFM, SEGMENTS
from domains.ecommerce.spec import SPEC

Segment = Literal[SEGMENTS]  # type: ignore[valid-type]

EXAMPLE: dict[str, Any] = {
    "history": {
        "recency_days": 12,
        "frequency": 9,
        "monetary": 2450.0,
        "tenure_days": 210,
        "orders_30d": 2,
        "revenue_30d": 610.0,
        "orders_90d": 4,
        "revenue_90d": 1180.0,
        "returns": 35.0,
    }
}


class History(BaseModel):
    """A customer's last year, as the shop's own records would give it (net of returns)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    recency_days: int = Field(ge=0, le=365, description="Days since the last order")
    frequency: int = Field(ge=1, le=100_000, description="Orders in the last 365 days")
    monetary: float = Field(ge=-1e9, le=1e9, description="Net spend in the last 365 days")
    tenure_days: int = Field(ge=0, le=365, description="Days since the first order within the year")
    orders_30d: int = Field(default=0, ge=0, le=100_000)
    revenue_30d: float = Field(default=0.0, ge=-1e9, le=1e9)
    orders_90d: int = Field(default=0, ge=0, le=100_000)
    revenue_90d: float = Field(default=0.0, ge=-1e9, le=1e9)
    returns: float = Field(default=0.0, ge=0, le=1e9, description="Value of returned goods")
    history_days: int = Field(default=365, ge=1, le=365, description="How much history these cover")

    @model_validator(mode="after")
    def _consistent(self) -> History:
        if self.recency_days > self.tenure_days:
            raise ValueError(
                "recency_days cannot exceed tenure_days (the last order is not before the first)"
            )
        if self.orders_30d > self.orders_90d or self.orders_90d > self.frequency:
            raise ValueError("orders_30d <= orders_90d <= frequency: the windows nest")
        return self


class CustomerRequest(BaseModel):
    """Either a known customer's id, or their history; not both."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE, {"customer_id": "12346"}]}
    )

    customer_id: str | None = Field(
        default=None, pattern=r"^\d{1,12}$", description="Customer ID as in the orders"
    )
    history: History | None = None

    @model_validator(mode="after")
    def _one_of(self) -> CustomerRequest:
        if (self.customer_id is None) == (self.history is None):
            raise ValueError("send exactly one of customer_id or history")
        return self


class Factor(BaseModel):
    feature: str
    value: float | None
    contribution: float = Field(description="Push on predicted spend, on the model's log scale")


class ValuePrediction(BaseModel):
    customer_id: str | None
    found: bool = Field(description="False when the id has no purchases in the last year")
    segment: Segment | None
    r_score: int | None
    f_score: int | None
    m_score: int | None
    predicted_spend: float | None = Field(description="Expected net spend over the horizon")
    horizon_days: int
    as_of: str | None = Field(description="Date of the warehouse data the answer rests on")
    model_version: str
    top_factors: list[Factor]


@dataclass
class ServedValue:
    model: ValueModel
    warehouse: Warehouse


def _from_history(h: History) -> dict[str, float]:
    gross = h.monetary + h.returns
    return {
        "recency_days": h.recency_days,
        "frequency": h.frequency,
        "monetary": h.monetary,
        "avg_order_value": gross / h.frequency,
        "tenure_days": h.tenure_days,
        "orders_30d": h.orders_30d,
        "revenue_30d": h.revenue_30d,
        "orders_90d": h.orders_90d,
        "revenue_90d": h.revenue_90d,
        "return_rate": h.returns / gross if gross > 0 else 0.0,
        "mean_gap_days": (h.tenure_days - h.recency_days) / (h.frequency - 1)
        if h.frequency > 1
        else math.nan,
        "history_days": h.history_days,
        "order_rate": h.frequency / h.history_days,
        "spend_rate": h.monetary / h.history_days,
    }


def warehouse_features(wh: Warehouse, ids: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """Features and RFM rows of known customers as of the latest loaded date.

    The dates come from gold_daily (one row a day), the customers' rows from two indexed reads.
    """
    if not ids or not wh.has_table(GOLD_DAILY.name):
        return pd.DataFrame(columns=["customer_id"]), pd.DataFrame(columns=["customer_id"]), None
    span = wh.read_sql(f'SELECT MIN(ds) AS first, MAX(ds) AS last FROM "{GOLD_DAILY.name}"')
    if span.empty or span["last"].isna().all():
        return pd.DataFrame(columns=["customer_id"]), pd.DataFrame(columns=["customer_id"]), None
    first, as_of = str(span["first"].iloc[0])[:10], str(span["last"].iloc[0])[:10]
    clause, params = in_clause("customer_id", ids, "c")
    rows = wh.read_table(GOLD_RFM, where=f"ds = :ds AND {clause}", params={"ds": as_of, **params})
    lo = (date.fromisoformat(as_of) - timedelta(days=rfm.LOOKBACK_DAYS - 1)).isoformat()
    daily = wh.read_table(
        GOLD_CUSTOMER_DAILY,
        where=f"ds >= :lo AND ds <= :ds AND {clause}",
        params={"lo": lo, "ds": as_of, **params},
    )
    return rfm.customer_features(daily, as_of, covered_from=first), rows, as_of


class EcommerceService(DomainService):
    """Segments customers and predicts their spend with the champion."""

    spec: ClassVar = SPEC
    record_model: ClassVar = CustomerRequest
    prediction_model: ClassVar = ValuePrediction
    example: ClassVar = EXAMPLE
    outcome_field: ClassVar = "segment"

    def load_model(self, settings: Settings, ref: model_store.ModelRef) -> LoadedModel:
        model = ValueModel.load(settings, ref)
        model.booster.set_param({"nthread": 1})
        return LoadedModel(
            ref.name,
            ref.version,
            ref.run_id,
            ServedValue(model, Warehouse(settings.warehouse_url)),
            model.meta,
        )

    def predict(self, model: LoadedModel, records: Sequence[BaseModel]) -> list[dict[str, Any]]:
        served: ServedValue = model.impl
        vm, meta = served.model, model.meta
        ids = sorted({r.customer_id for r in records if r.customer_id is not None})  # type: ignore[attr-defined]
        features, rows, as_of = warehouse_features(served.warehouse, ids)
        by_id = features.set_index("customer_id") if len(features) else None
        rfm_by_id = rows.set_index("customer_id") if len(rows) else None
        table, found = [], []
        for r in records:
            if r.customer_id is None:  # type: ignore[attr-defined]
                table.append(_from_history(r.history))  # type: ignore[attr-defined]
                found.append(True)
            elif by_id is not None and r.customer_id in by_id.index:  # type: ignore[attr-defined]
                table.append(by_id.loc[r.customer_id, list(vm.features)].to_dict())  # type: ignore[attr-defined]
                found.append(True)
            else:
                table.append({f: math.nan for f in vm.features})
                found.append(False)
        frame = pd.DataFrame(table, columns=list(vm.features)).astype(float)
        values = frame.to_numpy()
        spend = vm.predict(frame)
        factors = vm.explain(values)
        ref = meta.get("rfm_reference", {})
        scores = {
            "r_score": rfm.score_against(
                ref, "recency_days", frame["recency_days"].to_numpy(), higher_is_better=False
            ),
            "f_score": rfm.score_against(
                ref, "frequency", frame["frequency"].to_numpy(), higher_is_better=True
            ),
            "m_score": rfm.score_against(
                ref, "monetary", frame["monetary"].to_numpy(), higher_is_better=True
            ),
        }
        segments = rfm.segment(pd.Series(scores["r_score"]), pd.Series(scores["f_score"])).tolist()
        out = []
        for i, r in enumerate(records):
            cid = r.customer_id  # type: ignore[attr-defined]
            if not found[i]:
                out.append(self._unknown(cid, meta, model.version, as_of))
                continue
            if cid is not None and rfm_by_id is not None and cid in rfm_by_id.index:
                stored = rfm_by_id.loc[cid]  # the pipeline's own snapshot: exact population ranks
                seg, rs, fs, ms = (
                    stored["segment"],
                    *(int(stored[k]) for k in ("r_score", "f_score", "m_score")),
                )
            else:
                seg, rs, fs, ms = segments[i], *(int(scores[k][i]) for k in ("r_score", "f_score", "m_score"))
            out.append(
                {
                    "customer_id": cid,
                    "found": True,
                    "segment": seg,
                    "r_score": rs,
                    "f_score": fs,
                    "m_score": ms,
                    "predicted_spend": round(float(spend[i]), 2),
                    "horizon_days": int(meta.get("horizon_days", 90)),
                    "as_of": as_of if cid is not None else meta.get("logical_date"),
                    "model_version": model.version,
                    "top_factors": factors[i],
                }
            )
        return out

    @staticmethod
    def _unknown(cid: str | None, meta: dict[str, Any], version: str, as_of: str | None) -> dict[str, Any]:
        return {
            "customer_id": cid,
            "found": False,
            "segment": None,
            "r_score": None,
            "f_score": None,
            "m_score": None,
            "predicted_spend": None,
            "horizon_days": int(meta.get("horizon_days", 90)),
            "as_of": as_of,
            "model_version": version,
            "top_factors": [],
        }

    def check_prediction(self, model: LoadedModel, prediction: dict[str, Any]) -> None:
        p = prediction.get("predicted_spend")
        if not isinstance(p, float) or not np.isfinite(p) or p < 0:
            raise ModelSmokeTestError(f"v{model.version} predicted {p!r} for the example, not a spend")


SERVICE = EcommerceService()
