"""events/ holds one real sample event per function, and each handler answers it with a 2xx or 4xx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.parser.models import ApiGatewayAuthorizerRequestV2, APIGatewayProxyEventV2Model

from tests.handlers.conftest import handler
from tools.events import SAMPLE_KEY, all_samples

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())
SCHEDULED = {"monthly_billing"}
QUEUED = {"bill_customers", "settle_dead_shards"}  # SQS event sources: tests/handlers/test_billing_queue_handlers.py
AUTHORIZERS = {"authorizer"}


def sample(function: str) -> dict:
    return json.loads((ROOT / "events" / f"{function}.json").read_text())


def test_every_function_has_a_sample_event_and_every_sample_a_function():
    samples = {p.stem for p in (ROOT / "events").glob("*.json")}
    assert samples == set(FUNCTIONS)


def test_committed_samples_are_what_the_generator_writes():
    generated = all_samples(ROOT / "template.yaml")
    for function in FUNCTIONS:
        assert sample(function) == json.loads(json.dumps(generated[function])), f"run `make events` ({function})"


@pytest.mark.parametrize("function", sorted(set(FUNCTIONS) - SCHEDULED - AUTHORIZERS - QUEUED))
def test_http_samples_are_real_payload_2_events_answered_with_2xx_or_4xx(function, injected_services, lambda_context):
    event = sample(function)
    APIGatewayProxyEventV2Model.model_validate(event)
    reply = handler(function)(event, lambda_context)
    assert 200 <= reply["statusCode"] < 500, reply
    if function == "docs":  # Swagger UI: a page, every asset inlined
        assert reply["headers"]["Content-Type"] == "text/html" and "<script src=" not in reply["body"]
    elif reply["statusCode"] != 204:  # OpenMeter's ingestion answers 204 with no body
        json.loads(reply["body"])


def test_the_authorizer_sample_is_a_real_request_event_and_allows_only_the_right_key(lambda_context, monkeypatch):
    from functions.authorizer import app as authorizer

    event = sample("authorizer")
    ApiGatewayAuthorizerRequestV2.model_validate(event)
    monkeypatch.setenv("BILLING_ADMIN_API_KEY", SAMPLE_KEY)
    authorizer.verifier.cache_clear()
    try:
        allowed = authorizer.lambda_handler(event, lambda_context)
        event["headers"]["authorization"] = "Bearer " + "x" * len(SAMPLE_KEY)
        denied = authorizer.lambda_handler(event, lambda_context)
        del event["headers"]["authorization"]
        anonymous = authorizer.lambda_handler(event, lambda_context)
    finally:
        authorizer.verifier.cache_clear()
    assert allowed == {
        "isAuthorized": True,
        "context": {"key_id": "admin", "role": "admin", "customer_id": ""},
    }
    assert denied["isAuthorized"] is False
    assert anonymous["isAuthorized"] is False


def test_the_authorizer_denies_everything_when_no_admin_key_is_configured(lambda_context, monkeypatch):
    from functions.authorizer import app as authorizer

    monkeypatch.delenv("BILLING_ADMIN_API_KEY", raising=False)
    authorizer.verifier.cache_clear()
    try:
        assert authorizer.lambda_handler(sample("authorizer"), lambda_context)["isAuthorized"] is False
    finally:
        authorizer.verifier.cache_clear()


def test_the_scheduled_sample_bills_the_month_before_its_clock(injected_services, lambda_context):
    reply = handler("monthly_billing")(sample("monthly_billing"), lambda_context)
    assert reply["period"] == "2025-09"
