"""The restaurant API over HTTP: sentiment with VADER beside it, batches, and 422s that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from domains.core.serving import MAX_BATCH_RECORDS
from tests.api.conftest import auth


def test_predict_returns_sentiment_probabilities_vader_and_reasons(restaurant_client: Any) -> None:
    r = restaurant_client.post(
        "/predict",
        json={"text": "Terrible food, rude staff and cold fries. Never again 😡", "stars": 1},
        headers=auth(),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sentiment"] == "negative" and body["stars_sentiment"] == "negative"
    assert set(body["probabilities"]) == {"negative", "neutral", "positive"}
    assert sum(body["probabilities"].values()) == pytest.approx(1, abs=1e-5)
    assert body["vader_compound"] < 0 and body["vader_sentiment"] == "negative"
    assert body["model_version"] == restaurant_client.get("/health").json()["model_version"]
    assert body["top_terms"] and all(t["weight"] > 0 for t in body["top_terms"])


def test_stars_are_optional(restaurant_client: Any) -> None:
    r = restaurant_client.post("/predict", json={"text": "Amazing pizza, best in town!"}, headers=auth())
    assert r.status_code == 200 and r.json()["stars_sentiment"] is None
    assert r.json()["sentiment"] == "positive"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "<br/>"}, "text"),
        ({"text": ""}, "text"),
        ({"text": 42}, "text"),
        ({"text": "ok", "stars": 6}, "stars"),
        ({"text": "ok", "stars": "5"}, "stars"),
        ({"text": "ok", "stars": 4.5}, "stars"),
        ({"stars": 3}, "text"),
        ({"text": "ok", "rating": 3}, "rating"),
        ({"text": "x" * 20_001}, "text"),
    ],
    ids=[
        "blank",
        "markup-only",
        "empty",
        "number",
        "stars-6",
        "stars-str",
        "stars-float",
        "no-text",
        "extra",
        "long",
    ],
)
def test_bad_reviews_are_422_naming_the_field(restaurant_client: Any, body: dict, field: str) -> None:
    r = restaurant_client.post("/predict", json=body, headers=auth())
    assert r.status_code == 422, r.text
    assert field in [f["field"] for f in r.json()["error"]["fields"]]


def test_batch_scores_in_order_and_matches_single_calls(restaurant_client: Any) -> None:
    texts = ["Loved every bite!", "It was okay, nothing special.", "Rude staff and cold food."]
    r = restaurant_client.post(
        "/predict/batch", json={"records": [{"text": t} for t in texts]}, headers=auth()
    )
    assert r.status_code == 200, r.text
    batch = r.json()["predictions"]
    single = [restaurant_client.post("/predict", json={"text": t}, headers=auth()).json() for t in texts]
    assert [b["probabilities"] for b in batch] == [s["probabilities"] for s in single]
    assert batch[0]["sentiment"] == "positive" and batch[2]["sentiment"] == "negative"


def test_batch_over_the_limit_is_422(restaurant_client: Any) -> None:
    records = [{"text": "fine"}] * (MAX_BATCH_RECORDS + 1)
    r = restaurant_client.post("/predict/batch", json={"records": records}, headers=auth())
    assert r.status_code == 422


def test_model_features_are_opinion_terms(restaurant_client: Any) -> None:
    body = restaurant_client.get("/model/features", headers=auth()).json()
    terms = {f["feature"] for f in body["features"]}
    assert len(terms) == 50 and terms & {"amazing", "best", "worst", "terrible", "bland"}
    info = restaurant_client.get("/model/info", headers=auth()).json()
    assert (
        info["baseline"]["name"] == "vader"
        and info["metrics"]["f1_macro"] > info["baseline"]["metrics"]["f1_macro"]
    )


def test_monitoring_reports_quality_and_drift(restaurant_client: Any) -> None:
    body = restaurant_client.get("/monitoring/quality", headers=auth()).json()
    assert body["data_quality"]["success"] is True and body["reconciliation"]["reconciled"] is True
    assert {f["feature"] for f in body["drift"]["features"]} >= {"n_tokens", "vader_compound"}
