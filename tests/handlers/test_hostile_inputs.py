"""Hostile inputs through the handlers: each is refused naming its field (in the route's vendor shape on the
drop-in routes), never a 5xx, and writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.hostile_inputs import (
    DROP_IN,
    HOSTILE,
    LARGEST_QUANTITY,
    METER,
    SMALL_REPLY_BYTES,
    TARGET,
    TS,
    Hostile,
    named_fields,
)

SEPTEMBER = (datetime(2025, 9, 1, tzinfo=UTC), datetime(2025, 10, 1, tzinfo=UTC))
EVERY_INSTANT = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.fixture
def customer_id(services) -> str:
    services.meters.create(**METER)
    return services.customers.create(
        name=TARGET["name"], email=TARGET["email"], timezone_name=TARGET["timezone"], external_id=TARGET["external_id"]
    ).id


@pytest.mark.parametrize("case", HOSTILE + DROP_IN, ids=lambda case: case.name)
def test_each_hostile_input_is_refused_naming_its_field_and_writes_nothing(case: Hostile, api, services, customer_id):
    answer = api(
        case.function,
        f"{case.method} {case.route}",
        case.path(customer_id),
        case.payload(customer_id),
        query=case.query or None,
        headers={"content-type": case.content_type},
    )
    status, reply = answer.status, answer.body

    assert status == case.status, reply
    if not case.vendor:
        assert reply["error"]["code"] == "validation_error"
    assert case.field in named_fields(reply), reply
    assert len(json.dumps(reply)) < 2_000  # the error never echoes the input back
    assert [c.id for c in services.customers.list(limit=10).items] == [customer_id]
    assert services.plans.list(limit=10).items == []
    assert services.credits.ledger(customer_id).entries == ()
    assert services.usage.totals(customer_id, *EVERY_INSTANT) == []
    assert services.invoices.for_customer(customer_id) == []
    assert services.api_keys.list(limit=10).items == []


def test_the_largest_quantities_sum_exactly_and_the_usage_reply_stays_small(api, customer_id):
    events = [{"id": f"e{i}", "feature": "api_calls", "quantity": LARGEST_QUANTITY, "ts": TS} for i in range(3)]
    events.append({"id": "tiny", "feature": "api_calls", "quantity": "0.000000001", "ts": TS})
    reply = api(
        "ingest_events", "POST /v1/events/batch", "/v1/events/batch", {"customer_id": customer_id, "events": events}
    )
    assert reply.status == 200

    reply = api(
        "get_usage",
        "GET /v1/customers/{customer_id}/usage",
        f"/v1/customers/{customer_id}/usage",
        query={"start": "2025-09-01T00:00:00Z", "end": "2025-10-01T00:00:00Z"},
    )
    status, usage = reply.status, reply.body

    assert status == 200 and len(json.dumps(usage)) < SMALL_REPLY_BYTES
    assert usage == [{"feature": "api_calls", "quantity": "2999999999999999.999999998"}]
