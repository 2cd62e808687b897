"""Lago's own Python client (`lago-python-client` from PyPI), unchanged, with api_url=<gateway>/lago/."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def event(transaction_id: str, code: str = "lago_email", customer: str = "lago-acme", **properties):
    return {
        "transaction_id": transaction_id,
        "external_subscription_id": customer,
        "code": code,
        "timestamp": 1756893600,
        "properties": properties,
    }


def test_lago_client_create_and_batch_create_count_exactly_once(api):
    acme = api.customer("lago-acme")
    api.meter(feature="lago_emails", event_type="lago_email", value_property="count")
    api.meter(
        feature="lago_emails_eu", event_type="lago_email", value_property="count", filters={"region": ["eu", "uk"]}
    )

    outcomes = api.drive(
        "lago",
        [
            {"call": "create", "events": [event("t1", count=3, region="eu")]},
            {
                "call": "batch_create",
                "events": [
                    {**event("t2", count="2.25", region="us"), "timestamp": "1756893600.5"},
                    event("t3", count=1, region="uk"),
                ],
            },
            {"call": "create", "events": [event("t1", count=3, region="eu")]},  # a retry
            {"call": "batch_create", "events": [event("t2", count="2.25", region="us")]},
        ],
    )

    assert all(outcome["ok"] for outcome in outcomes)
    created = outcomes[0]["response"]
    assert (created["transaction_id"], created["lago_customer_id"], created["code"]) == ("t1", acme, "lago_email")
    assert created["timestamp"] == "2025-09-03T10:00:00Z"
    assert api.usage(acme) == {"lago_emails": "6.25", "lago_emails_eu": "4"}


def test_lago_client_raises_lago_api_error_with_lagos_envelope_on_a_refused_event(api):
    globex = api.customer("lago-globex")
    api.meter(feature="lago_sms", event_type="lago_sms", value_property="count")

    outcomes = api.drive(
        "lago",
        [
            {"call": "create", "events": [event("r1", "lago_sms", "lago-globex")]},  # no count
            {
                "call": "batch_create",
                "events": [event("r2", "lago_sms", "lago-globex", count=1), event("r3", "nope", "lago-globex")],
            },
            {"call": "create", "events": [event("r4", "lago_sms", "lago-globex", count=1)], "api_key": "wrong-key"},
        ],
    )

    assert outcomes[0] == {
        "error": "LagoApiError",
        "status": 422,
        "response": {
            "status": 422,
            "error": "Unprocessable Entity",
            "code": "validation_errors",
            "error_details": {"properties.count": ["property 'count' is missing (meter 'lago_sms' counts it)"]},
        },
    }
    assert outcomes[1]["status"] == 422
    assert outcomes[1]["response"]["error_details"] == {"1": {"code": ["no meter counts events of type 'nope'"]}}
    assert (outcomes[2]["error"], outcomes[2]["status"]) == ("LagoApiError", 403)
    assert api.usage(globex) == {}


def test_lago_client_with_a_customer_key_sends_its_own_customers_events_only(api):
    own = api.customer("lago-own")
    other = api.customer("lago-other")
    api.meter(feature="lago_own_calls", event_type="lago_own_call")
    key = api.customer_key(own)

    outcomes = api.drive(
        "lago",
        [
            {"call": "create", "events": [event("k1", "lago_own_call", "lago-own")], "api_key": key},
            {
                "call": "batch_create",
                "events": [event("k2", "lago_own_call", "lago-own"), event("k3", "lago_own_call", "lago-other")],
                "api_key": key,
            },
        ],
    )

    assert outcomes[0]["ok"] and outcomes[0]["response"]["lago_customer_id"] == own
    assert outcomes[1] == {
        "error": "LagoApiError",
        "status": 403,
        "response": {"status": 403, "error": "Forbidden", "code": "forbidden"},
    }
    assert (api.usage(own), api.usage(other)) == ({"lago_own_calls": "1"}, {})
