"""The fraud API over HTTP: auth, validation, examples, batches, metrics and the error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import SECRET, auth, make_token

pytestmark = pytest.mark.usefixtures("fraud_env")


def assert_error(response: Any, status: int, error_type: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert error["request_id"] == response.headers["x-request-id"]
    if error_type:
        assert error["type"] == error_type
    return error


def test_health_names_the_loaded_champion(client: Any, trained_fraud: dict[str, Any]) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["model_loaded"] is True
    served = trained_fraud["results"][-1]["validate"]["champion_version"]
    assert body["model_version"] == served


def test_request_id_is_echoed_or_generated(client: Any) -> None:
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    generated = {client.get("/health").headers["x-request-id"] for _ in range(3)}
    assert len(generated) == 3
    # An id with characters that could forge log lines is replaced, not echoed.
    assert client.get("/health", headers={"X-Request-ID": "a b\tc"}).headers["x-request-id"] != "a b\tc"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"Authorization": "Bearer not-a-jwt"}, 401),
        ({"Authorization": f"Bearer {make_token(ttl=-30)}"}, 401),
        ({"Authorization": f"Bearer {make_token(secret=SECRET + 'x')}"}, 401),
        ({"Authorization": f"Bearer {make_token(exp=None, ttl=0)}"}, 401),
        ({"Authorization": f"Bearer {make_token(scope='admin')}"}, 403),
        ({"Authorization": f"Bearer {make_token(scope='')}"}, 403),
        ({"Authorization": f"Bearer {make_token(scope='predict')}"}, 200),
    ],
    ids=["none", "basic", "garbage", "expired", "forged", "no-exp", "admin-only", "no-scope", "ok"],
)
def test_predict_auth_matrix(client: Any, example: dict[str, Any], headers: dict, status: int) -> None:
    r = client.post("/predict", json=example, headers=headers)
    if status == 200:
        assert r.status_code == 200, r.text
    else:
        assert_error(r, status)
    if status == 401:
        assert r.headers["www-authenticate"] == "Bearer"


def test_admin_reload_needs_admin_scope(client: Any) -> None:
    assert_error(client.post("/admin/reload", headers=auth("predict")), 403, "forbidden")
    assert_error(client.post("/admin/reload"), 401, "unauthorized")
    r = client.post("/admin/reload", headers=auth("admin"))
    assert r.status_code == 200 and r.json()["result"] == "unchanged"


@pytest.mark.parametrize("path", ["/model/info", "/model/features", "/monitoring/quality"])
def test_read_endpoints_need_a_token(client: Any, path: str) -> None:
    assert_error(client.get(path), 401)
    assert client.get(path, headers=auth("predict")).status_code == 200


def test_openapi_examples_are_accepted(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    single = schemas["FraudTransaction"]["examples"][0]
    batch = schemas["FraudBatchRequest"]["examples"][0]
    r = client.post("/predict", json=single, headers=auth())
    assert r.status_code == 200, r.text
    r = client.post("/predict/batch", json=batch, headers=auth())
    assert r.status_code == 200, r.text
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_prediction_carries_decision_threshold_version_and_reasons(client: Any, example: dict) -> None:
    body = client.post("/predict", json=example, headers=auth()).json()
    assert 0.0 <= body["fraud_probability"] <= 1.0
    assert body["is_fraud"] == (body["fraud_probability"] >= body["threshold"])
    assert body["decision"] == ("review" if body["is_fraud"] else "approve")
    assert body["model_version"] == client.get("/health").json()["model_version"]
    factors = body["risk_factors"]
    assert 1 <= len(factors) <= 3
    assert all(f["contribution"] > 0 for f in factors)
    assert [f["contribution"] for f in factors] == sorted((f["contribution"] for f in factors), reverse=True)


def test_a_card_testing_burst_scores_riskier_than_a_quiet_card(client: Any, example: dict) -> None:
    quiet = {**example, "card_tx_last_1h": 0, "card_amount_last_1h": 0.0, "card_tx_last_24h": 2}
    burst = {**example, "card_tx_last_1h": 8, "card_amount_last_1h": 4000.0, "card_tx_last_24h": 10}
    p = [client.post("/predict", json=r, headers=auth()).json()["fraud_probability"] for r in (quiet, burst)]
    assert p[1] > p[0]


BAD_BODIES = [
    ({}, "amt"),
    ([], "body"),
    ("text", "body"),
    (None, "body"),
    (12, "body"),
    ({"unexpected": 1}, "unexpected"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES, ids=["empty", "list", "str", "null", "int", "extra"])
def test_malformed_bodies_are_422_naming_the_field(client: Any, body: Any, field: str) -> None:
    error = assert_error(client.post("/predict", json=body, headers=auth()), 422, "validation_error")
    assert field in {f["field"] for f in error["fields"]}


def test_invalid_json_is_422(client: Any) -> None:
    r = client.post("/predict", content=b"{not json", headers={**auth(), "content-type": "application/json"})
    error = assert_error(r, 422, "validation_error")
    assert error["fields"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amt": "lots"}, "amt"),
        ({"amt": -5}, "amt"),
        ({"amt": 1e9}, "amt"),
        ({"category": "casino"}, "category"),
        ({"trans_ts": "yesterday"}, "trans_ts"),
        ({"lat": 123.0}, "lat"),
        ({"gender": "X"}, "gender"),
        ({"card_category_share": 1.5}, "card_category_share"),
        ({"card_tx_last_1h": 9, "card_tx_last_24h": 3}, "card_tx_last_24h"),
        ({"city_pop": 1.5}, "city_pop"),
        ({"amt": None}, "amt"),
    ],
)
def test_bad_values_are_422_naming_each_field(client: Any, example: dict, change: dict, field: str) -> None:
    error = assert_error(client.post("/predict", json={**example, **change}, headers=auth()), 422)
    assert [f["field"] for f in error["fields"]] == [field]
    assert field in error["message"]


def test_missing_field_is_named(client: Any, example: dict) -> None:
    del example["merch_lat"]
    error = assert_error(client.post("/predict", json=example, headers=auth()), 422)
    assert error["fields"][0] == {"field": "merch_lat", "message": "Field required", "type": "missing"}


def test_batch_matches_single_predictions(client: Any, example: dict) -> None:
    records = [
        {**example, "amt": float(a), "card_tx_last_1h": k, "card_tx_last_24h": k + 1}
        for a, k in zip(range(5, 500, 50), range(10), strict=True)
    ]
    batch = client.post("/predict/batch", json={"records": records}, headers=auth()).json()
    assert batch["count"] == len(records) == len(batch["predictions"])
    singles = [client.post("/predict", json=r, headers=auth()).json() for r in records]
    assert [p["fraud_probability"] for p in batch["predictions"]] == [s["fraud_probability"] for s in singles]


def test_batch_limits(client: Any, example: dict) -> None:
    ok = client.post("/predict/batch", json={"records": [example] * 10_000}, headers=auth())
    assert ok.status_code == 200 and ok.json()["count"] == 10_000
    error = assert_error(
        client.post("/predict/batch", json={"records": [example] * 10_001}, headers=auth()), 422
    )
    assert error["fields"][0]["field"] == "records"
    assert_error(client.post("/predict/batch", json={"records": []}, headers=auth()), 422)
    bad = [example, {**example, "amt": -1}]
    error = assert_error(client.post("/predict/batch", json={"records": bad}, headers=auth()), 422)
    assert [f["field"] for f in error["fields"]] == ["records.1.amt"]


def test_oversize_body_is_refused_early(fraud_client: Any, example: dict) -> None:
    with fraud_client(API_MAX_BODY_BYTES="2048") as client:
        body = json.dumps({"records": [example] * 20}).encode()
        r = client.post(
            "/predict/batch", content=body, headers={**auth(), "content-type": "application/json"}
        )
        assert_error(r, 413, "payload_too_large")
        assert client.post("/predict", json=example, headers=auth()).status_code == 200


def test_rate_limit_is_per_subject_with_retry_after(fraud_client: Any, example: dict) -> None:
    with fraud_client(API_RATE_LIMIT_PER_MINUTE="60", API_RATE_LIMIT_BURST="2") as client:
        alice = {"Authorization": f"Bearer {make_token(sub='alice')}"}
        bob = {"Authorization": f"Bearer {make_token(sub='bob')}"}
        assert [client.post("/predict", json=example, headers=alice).status_code for _ in range(2)] == [
            200,
            200,
        ]
        r = client.post("/predict", json=example, headers=alice)
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["retry-after"]) >= 1
        assert client.post("/predict", json=example, headers=bob).status_code == 200


def test_cors_is_off_by_default_and_configurable(fraud_client: Any) -> None:
    preflight = {"Origin": "https://dash.example.com", "Access-Control-Request-Method": "POST"}
    with fraud_client() as client:
        assert "access-control-allow-origin" not in client.options("/predict", headers=preflight).headers
    with fraud_client(API_CORS_ORIGINS="https://dash.example.com") as client:
        r = client.options("/predict", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "https://dash.example.com"
        assert "x-request-id" in r.headers


def test_metrics_count_requests_predictions_errors_and_loads(client: Any, example: dict) -> None:
    client.post("/predict", json=example, headers=auth())
    client.post("/predict/batch", json={"records": [example] * 3}, headers=auth())
    client.post("/predict", json={}, headers=auth())
    client.post("/predict", json=example)
    text = client.get("/metrics").text
    version = client.get("/health").json()["model_version"]
    assert 'api_requests_total{method="POST",route="/predict",status="200"} 1.0' in text
    assert (
        'api_request_duration_seconds_bucket{le="0.001",method="POST",route="/predict",status="422"}' in text
    )
    assert f'model_version="{version}",outcome="review"' in text
    assert 'api_errors_total{type="validation_error"} 1.0' in text
    assert 'api_errors_total{type="unauthorized"} 1.0' in text
    assert 'api_model_loads_total{result="loaded"} 1.0' in text
    assert "api_scoring_batch_size_count" in text


def test_model_info_features_and_monitoring(client: Any, trained_fraud: dict[str, Any]) -> None:
    info = client.get("/model/info", headers=auth("predict")).json()
    assert info["name"] == "fraud_model" and info["metrics"]["pr_auc"] > info["baseline"]["metrics"]["pr_auc"]
    assert info["training_range"]["partitions"] == ["2026-11-18", "2026-11-19"]
    features = client.get("/model/features", headers=auth("predict")).json()["features"]
    assert len(features) == 16
    assert abs(sum(f["importance"] for f in features) - 1.0) < 1e-3
    quality = client.get("/monitoring/quality", headers=auth("predict")).json()
    assert quality["data_quality"]["success"] is True
    assert quality["reconciliation"]["reconciled"] is True
    assert quality["drift"]["features"]
    assert quality["serving"]["status"] == "ok"


@pytest.mark.parametrize(
    "content",
    [b'{"amt": "\xff\xfe"}', b"[" * 100_000 + b"]" * 100_000, b""],
    ids=["bad-utf8", "nesting-too-deep", "empty"],
)
def test_undecodable_bodies_are_422_on_body(client: Any, content: bytes) -> None:
    r = client.post("/predict", content=content, headers={**auth(), "content-type": "application/json"})
    error = assert_error(r, 422, "validation_error")
    assert error["fields"][0]["field"] == "body"


@pytest.mark.parametrize(("field", "value"), [("amt", True), ("card_tx_last_1h", "3"), ("city_pop", 2.5)])
def test_types_are_strict(client: Any, example: dict, field: str, value: Any) -> None:
    error = assert_error(client.post("/predict", json={**example, field: value}, headers=auth()), 422)
    assert [f["field"] for f in error["fields"]] == [field]


def test_integers_are_fine_where_floats_are_expected(client: Any, example: dict) -> None:
    r = client.post("/predict", json={**example, "amt": 100, "lat": 40, "age": 30}, headers=auth())
    assert r.status_code == 200, r.text
