"""POST/GET /v1/meters and GET /v1/meters/{feature}; POST /v1/events with mixed customers and typed events."""

from decimal import Decimal

import pytest


def create(api, body):
    return api("create_meter", "POST /v1/meters", "/v1/meters", body)


def test_a_meter_is_created_read_back_and_listed_a_page_at_a_time(api):
    reply = create(
        api, {"feature": "api_calls_eu", "event_type": "request", "filters": {"region": ["eu", "eu-2"], "beta": True}}
    )
    assert reply.status == 201
    assert reply.body == {
        "feature": "api_calls_eu",
        "event_type": "request",
        "value_property": None,
        "filters": {"region": ["eu", "eu-2"], "beta": ["true"]},
        "created_at": "2025-10-02T09:30:00Z",
    }
    create(api, {"feature": "tokens", "event_type": "prompt", "value_property": "usage.tokens"})
    assert api("get_meter", "GET /v1/meters/{feature}", "/v1/meters/api_calls_eu").body == reply.body

    first = api("list_meters", "GET /v1/meters", "/v1/meters?limit=1")
    second = api("list_meters", "GET /v1/meters", f"/v1/meters?limit=1&cursor={first.body['next_cursor']}")
    assert [m["feature"] for m in first.body["data"] + second.body["data"]] == ["api_calls_eu", "tokens"]


def test_a_second_meter_for_a_feature_is_409_and_an_unknown_one_404(api):
    create(api, {"feature": "api_calls", "event_type": "request"})
    again = create(api, {"feature": "api_calls", "event_type": "other"})
    assert (again.status, again.body["error"]["code"]) == (409, "conflict")
    missing = api("get_meter", "GET /v1/meters/{feature}", "/v1/meters/nope")
    assert (missing.status, missing.body["error"]["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"feature": "a b", "event_type": "t"}, "feature"),
        ({"feature": "a", "event_type": ""}, "event_type"),
        ({"feature": "a", "event_type": "t", "value_property": "a..b"}, "value_property"),
        ({"feature": "a", "event_type": "t", "value_property": "a.b.c.d.e"}, "value_property"),
        ({"feature": "a", "event_type": "t", "filters": {"region": []}}, "filters.region"),
        ({"feature": "a", "event_type": "t", "filters": {"region": [None]}}, "filters"),
    ],
)
def test_a_bad_meter_is_400_naming_the_field(api, body, field):
    reply = create(api, body)
    assert reply.status == 400
    assert reply.body["error"]["fields"][0]["field"] == field


def events(api, *batch):
    return api("ingest_customer_events", "POST /v1/events", "/v1/events", {"events": list(batch)})


def test_v1_events_mixes_customers_typed_events_and_feature_events(api, injected_services, acme, meters, usage):
    globex = injected_services.customers.create(name="Globex", email="ops@globex.example")
    request_eu = {
        "id": "r1",
        "external_customer_id": "acme-1",
        "type": "request",
        "ts": "2025-09-03T10:00:00Z",
        "properties": {"region": "eu"},
    }
    reply = events(
        api,
        request_eu,
        {
            "id": "p1",
            "external_customer_id": "acme-1",
            "type": "prompt",
            "ts": "2025-09-03T10:00:00Z",
            "properties": {"usage": {"tokens": 1200.5}},
        },
        {"id": "f1", "customer_id": globex.id, "feature": "storage", "quantity": "2.5", "ts": "2025-09-04T00:00:00Z"},
        request_eu,
    )
    assert reply.status == 200
    assert reply.body["accepted"] == 3 and reply.body["duplicates"] == 1
    assert [(r["id"], r["customer_id"], r["status"]) for r in reply.body["results"]] == [
        ("r1", acme.id, "accepted"),
        ("p1", acme.id, "accepted"),
        ("f1", globex.id, "accepted"),
        ("r1", acme.id, "duplicate"),
    ]
    assert usage(acme.id) == {"api_calls": 1, "api_calls_eu": 1, "tokens": Decimal("1200.5")}
    assert usage(globex.id) == {"storage": Decimal("2.5")}

    retry = events(api, request_eu)
    assert (retry.body["accepted"], retry.body["duplicates"]) == (0, 1)
    assert usage(acme.id)["api_calls_eu"] == 1


GOOD = {"id": "ok", "external_customer_id": "acme-1", "type": "request", "ts": "2025-09-03T10:00:00Z"}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({**GOOD, "type": "unknown"}, "events[1].type"),
        ({**GOOD, "type": "prompt"}, "events[1].properties.usage.tokens"),
        ({**GOOD, "type": "prompt", "properties": {"usage": {"tokens": "many"}}}, "events[1].properties.usage.tokens"),
        ({**GOOD, "external_customer_id": "nobody"}, "events[1].external_customer_id"),
        ({**GOOD, "customer_id": "cus_x"}, "events[1]"),
        ({**GOOD, "feature": "x", "quantity": 1}, "events[1]"),
        ({**GOOD, "properties": {"tags": ["a"]}}, "events[1].properties"),
        ({**GOOD, "properties": {"a": {"b": {"c": {"d": {"e": 1}}}}}}, "events[1].properties"),
    ],
)
def test_one_bad_event_refuses_the_batch_with_its_index_and_field(api, acme, meters, usage, bad, field):
    reply = events(api, GOOD, bad)
    assert reply.status == 400
    assert reply.body["error"]["code"] == "validation_error"
    assert reply.body["error"]["fields"][0]["field"] == field
    assert usage(acme.id) == {}
