"""Every handler's request log line, response headers, error logs and EMF metrics; no key in any log line.

Routes come from template.yaml, so a new route is covered without touching this file.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from billing import bootstrap
from billing.observability import logger, metrics

from local_gateway.events import authorizer_event, http_event
from local_gateway.template import load_template
from tests.handlers.conftest import handler
from tools.events import SAMPLE_KEY, function_folder, route_sample

ROOT = Path(__file__).resolve().parents[2]
ROUTES = {
    function_folder(route.code_dir, route.handler): route for route in load_template(ROOT / "template.yaml").routes
}


class LogLines:
    """The JSON lines Powertools' logger writes during a test (at INFO)."""

    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    def text(self) -> str:
        return self._stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text().splitlines()]  # every line is one JSON document

    def requests(self) -> list[dict[str, Any]]:
        return [record for record in self.records() if record["message"] == "request"]


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[LogLines]:
    stream = io.StringIO()
    handler_ = logger.registered_handler
    previous_stream, previous_level = handler_.stream, logger.log_level
    handler_.setStream(stream)
    logger.setLevel("INFO")
    try:
        yield LogLines(stream)
    finally:
        handler_.setStream(previous_stream)
        logger.setLevel(previous_level)


def sample_event(folder: str) -> dict[str, Any]:
    event = route_sample(ROUTES[folder], folder)
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    return event


@pytest.mark.parametrize("folder", sorted(ROUTES))
def test_every_handler_logs_one_request_line_and_returns_its_request_id(
    folder: str, injected_services: Any, lambda_context: Any, logs: LogLines
) -> None:
    event = sample_event(folder)

    reply = handler(folder)(event, lambda_context)

    [line] = logs.requests()
    request_id = event["requestContext"]["requestId"]
    assert line["correlation_id"] == request_id
    assert line["route"] == ROUTES[folder].route_key
    assert line["status"] == reply["statusCode"]
    assert isinstance(line["latency_ms"], int | float) and line["latency_ms"] >= 0
    assert line["level"] == "INFO" and line["service"] == "billing"
    if ROUTES[folder].authorizer is None:
        assert "principal" not in line
    else:
        assert line["principal"] == {"key_id": "admin", "role": "admin", "customer_id": ""}
    assert reply["headers"]["X-Request-Id"] == request_id
    assert reply["headers"]["X-Content-Type-Options"] == "nosniff"
    assert SAMPLE_KEY not in logs.text()


def test_an_unexpected_error_is_a_500_with_the_traceback_as_one_json_record(
    lambda_context: Any, logs: LogLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> Any:
        raise RuntimeError("the core broke")

    monkeypatch.setattr(bootstrap, "services", broken)
    event = sample_event("list_customers")

    reply = handler("list_customers")(event, lambda_context)

    assert reply["statusCode"] == 500
    assert json.loads(reply["body"])["error"]["code"] == "internal_error"
    assert "the core broke" not in reply["body"]  # nothing of the internals reaches the client
    [error] = [record for record in logs.records() if record["level"] == "ERROR"]
    assert error["correlation_id"] == event["requestContext"]["requestId"]
    assert error["exception_name"] == "RuntimeError"
    assert "Traceback" in error["exception"] and "the core broke" in error["exception"]
    assert logs.requests()[0]["status"] == 500


def test_the_authorizer_never_logs_the_key(
    monkeypatch: pytest.MonkeyPatch, lambda_context: Any, logs: LogLines
) -> None:
    from functions.authorizer import app as authorizer

    key = "admin-key-for-the-log-test-0123456789abcdef"
    monkeypatch.setenv("BILLING_ADMIN_API_KEY", key)
    authorizer.verifier.cache_clear()
    try:
        for presented in (key, key + "-wrong", ""):
            event = authorizer_event(
                "GET",
                "/v1/customers",
                route_key="GET /v1/customers",
                headers={"authorization": f"Bearer {presented}"},
                identity_headers=("authorization",),
            )
            authorizer.lambda_handler(event, lambda_context)
    finally:
        authorizer.verifier.cache_clear()

    assert len(logs.records()) == 3
    assert key not in logs.text()


# -- EMF metrics ------------------------------------------------------------------------------------


def emitted_metrics(output: str) -> dict[str, float]:
    """Metric name → summed value, from the EMF documents Powertools printed."""
    totals: dict[str, float] = {}
    for line in output.splitlines():
        if not line.startswith("{") or "_aws" not in line:
            continue
        document = json.loads(line)
        for definition in document["_aws"]["CloudWatchMetrics"]:
            for metric in definition["Metrics"]:
                value = document[metric["Name"]]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + (
                    sum(value) if isinstance(value, list) else value
                )
    return totals


@pytest.fixture
def emf(monkeypatch: pytest.MonkeyPatch) -> None:
    metrics.clear_metrics()  # what earlier tests added while metrics were disabled
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")


def batch_event(customer_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return http_event(
        "POST",
        "/v1/events/batch",
        route_key="POST /v1/events/batch",
        body={"customer_id": customer_id, "events": events},
        authorizer_context={"key_id": "admin", "role": "admin", "customer_id": ""},
    )


def test_ingest_counts_accepted_duplicate_and_rejected_events(
    emf: None, injected_services: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    customer = injected_services.customers.create(name="Acme", email="ops@acme.example")
    event = {"feature": "api_calls", "quantity": 1, "ts": "2025-09-03T10:00:00Z"}
    ingest = handler("ingest_events")
    capsys.readouterr()

    ingest(batch_event(customer.id, [{**event, "id": "a"}, {**event, "id": "b"}]), lambda_context)
    ingest(batch_event(customer.id, [{**event, "id": "a"}]), lambda_context)
    ingest(batch_event(customer.id, [{**event, "id": "c"}, {**event, "id": "d", "quantity": "-1"}]), lambda_context)
    ingest(batch_event("cus_nobody", [{**event, "id": "e"}]), lambda_context)

    assert emitted_metrics(capsys.readouterr().out) == {"EventsAccepted": 2, "EventsDuplicate": 1, "EventsRejected": 3}


def test_a_billing_run_counts_the_invoices_it_generated(
    emf: None, injected_services: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    customer = injected_services.customers.create(name="Acme", email="ops@acme.example")
    handler("ingest_events")(
        batch_event(customer.id, [{"id": "a", "feature": "api_calls", "quantity": 3, "ts": "2025-09-03T10:00:00Z"}]),
        lambda_context,
    )
    capsys.readouterr()
    event = http_event(
        "POST",
        "/v1/invoices/run",
        route_key="POST /v1/invoices/run",
        query={"period": "2025-09", "unit_price": "0.01"},
        authorizer_context={"key_id": "admin", "role": "admin", "customer_id": ""},
    )

    reply = handler("run_invoices")(event, lambda_context)

    assert reply["statusCode"] == 200, reply["body"]
    assert emitted_metrics(capsys.readouterr().out) == {"InvoicesGenerated": 1, "InvoicesFailed": 0}
