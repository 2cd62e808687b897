"""OpenMeter's own Python client (`openmeter` from PyPI), unchanged, ingesting CloudEvents through our gateway."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def cloudevent(event_id: str, event_type: str = "prompt", subject: str = "om-acme", **data):
    return {
        "id": event_id,
        "source": "checkout-service",
        "specversion": "1.0",
        "type": event_type,
        "subject": subject,
        "time": "2025-09-03T10:00:00+00:00",
        "data": data,
    }


def test_openmeter_client_single_batch_and_json_calls_count_exactly_once(api):
    acme = api.customer("om-acme")
    api.meter(feature="om_tokens", event_type="prompt", value_property="usage.tokens")
    api.meter(feature="om_tokens_gpt4", event_type="prompt", value_property="usage.tokens", filters={"model": "gpt-4o"})
    api.meter(feature="om_requests", event_type="request")

    outcomes = api.drive(
        "openmeter",
        [
            {"call": "ingest_event", "events": [cloudevent("e1", usage={"tokens": 100}, model="gpt-4o")]},
            {
                "call": "ingest_events",  # application/cloudevents-batch+json
                "events": [cloudevent("e2", usage={"tokens": "20.5"}, model="o3"), cloudevent("e3", "request")],
            },
            {"call": "ingest_events_json", "events": [cloudevent("e4", "request")]},  # application/json
            {"call": "ingest_event", "events": [cloudevent("e1", usage={"tokens": 100}, model="gpt-4o")]},
            {"call": "ingest_events", "events": [cloudevent("e2", usage={"tokens": "20.5"}, model="o3")]},
        ],
    )

    assert outcomes == [{"ok": True}] * 5  # 204s, duplicates included
    assert api.usage(acme) == {"om_tokens": "120.5", "om_tokens_gpt4": "100", "om_requests": "2"}


def test_openmeter_client_raises_its_own_error_on_a_refused_event_and_nothing_is_counted(api):
    globex = api.customer("om-globex")
    api.meter(feature="om_calls", event_type="call")

    outcomes = api.drive(
        "openmeter",
        [
            {"call": "ingest_event", "events": [cloudevent("x1", "unknown_type", "om-globex")]},
            {
                "call": "ingest_events",
                "events": [cloudevent("x2", "call", "om-globex"), cloudevent("x3", "call", "nobody")],
            },
            {"call": "ingest_event", "events": [cloudevent("x4", "call", "om-globex")], "api_key": "wrong-key"},
        ],
    )

    assert outcomes[0] == {
        "error": "HttpResponseError",
        "status": 400,
        "detail": "no meter counts events of type 'unknown_type'",
    }
    assert outcomes[1] == {
        "error": "HttpResponseError",
        "status": 400,
        "detail": "no customer has external_id 'nobody'",
    }
    assert (outcomes[2]["error"], outcomes[2]["status"]) == ("HttpResponseError", 403)  # the authorizer
    assert api.usage(globex) == {}


def test_openmeter_client_with_a_customer_key_sends_its_own_customers_events_only(api):
    own = api.customer("om-own")
    other = api.customer("om-other")
    api.meter(feature="om_own_calls", event_type="own_call")
    key = api.customer_key(own)

    outcomes = api.drive(
        "openmeter",
        [
            {"call": "ingest_events", "events": [cloudevent("k1", "own_call", "om-own")], "api_key": key},
            {
                "call": "ingest_events",
                "events": [cloudevent("k2", "own_call", "om-own"), cloudevent("k3", "own_call", "om-other")],
                "api_key": key,
            },
        ],
    )

    assert outcomes[0] == {"ok": True}
    assert outcomes[1] == {
        "error": "HttpResponseError",
        "status": 403,
        "detail": "this key may only send events of its own customer",
    }
    assert (api.usage(own), api.usage(other)) == ({"om_own_calls": "1"}, {})
