"""The financial API over HTTP: forecasts by ticker and from explicit bars, batches, and bad input."""

from __future__ import annotations

from typing import Any

import pandas as pd

from domains.core.pipeline import make_context
from domains.financial.schema import SILVER
from domains.financial.serving import EXAMPLE, MIN_BARS
from tests.api.conftest import auth


def _bars(ticker: str, n: int) -> list[dict[str, Any]]:
    wh = make_context("financial", "2026-11-19").warehouse
    rows = wh.read_table(SILVER, where="ticker = :t", params={"t": ticker}).sort_values("date").tail(n)
    cols = ["date", "open", "high", "low", "close", "adj_close", "volume"]
    return [{**r, "date": str(r["date"])[:10]} for r in rows[cols].to_dict("records")]


def test_forecast_by_ticker(financial_client: Any) -> None:
    r = financial_client.post("/predict", json=EXAMPLE, headers=auth())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["found"] and body["as_of"] == "2026-11-18" and body["target_date"] == "2026-11-19"
    assert abs(body["predicted_return"]) < 0.2 and body["direction"] in {"up", "down"}
    assert body["interval"]["lower_close"] < body["predicted_close"] < body["interval"]["upper_close"]
    assert body["beats_random_walk"] is True and body["validation_rmse_ratio_to_random_walk"] < 1
    assert body["model_version"] == financial_client.get("/health").json()["model_version"]


def test_explicit_bars_give_the_warehouse_forecast(financial_client: Any) -> None:
    by_ticker = financial_client.post("/predict", json=EXAMPLE, headers=auth()).json()
    bars = _bars(EXAMPLE["ticker"], 300)
    r = financial_client.post("/predict", json={"bars": bars}, headers=auth())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ticker"] is None and body["as_of"] == by_ticker["as_of"]
    assert abs(body["predicted_return"] - by_ticker["predicted_return"]) < 1e-4


def test_batch_forecasts_many_tickers_in_one_call(financial_client: Any) -> None:
    wh = make_context("financial", "2026-11-19").warehouse
    tickers = sorted(wh.read_table(SILVER, ["ticker"])["ticker"].unique())
    records = [{"ticker": t} for t in tickers] + [{"ticker": "ZZZZ"}, {"bars": _bars(tickers[1], MIN_BARS)}]
    r = financial_client.post("/predict/batch", json={"records": records}, headers=auth())
    assert r.status_code == 200, r.text
    preds = r.json()["predictions"]
    assert [p["ticker"] for p in preds[: len(tickers)]] == tickers and all(p["found"] for p in preds[:-2])
    assert preds[-2]["found"] is False and preds[-2]["direction"] == "unknown"
    assert preds[-1]["found"] is True
    assert len({p["predicted_return"] for p in preds[: len(tickers)]}) == len(tickers)
    assert pd.Series([p["target_date"] for p in preds[:-2]]).nunique() == 1


def test_bad_requests_name_the_field(financial_client: Any) -> None:
    bars = _bars(EXAMPLE["ticker"], MIN_BARS)
    cases = [
        ({"ticker": "ABCD", "bars": bars}, "exactly one"),
        ({"ticker": "not a ticker"}, "ticker"),
        ({"bars": bars[:10]}, "bars"),
        ({"bars": list(reversed(bars))}, "increasing"),
        ({"bars": [{**bars[0], "high": 1.0, "low": 2.0}, *bars[1:]]}, "high is below low"),
        ({"bars": [{**bars[0], "volume": -1}, *bars[1:]]}, "volume"),
    ]
    for body, needle in cases:
        r = financial_client.post("/predict", json=body, headers=auth())
        assert r.status_code == 422, (body.keys(), r.text)
        assert needle in r.text, r.text
