"""Stripe's own Python client (`stripe` from PyPI), unchanged, recording meter events through our gateway:
v1 (form-encoded), v2 (JSON) and the module-level style, with our admin key as its secret key."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def v1(identifier: str, value: str, customer: str = "cus_StripeAcme", **extra):
    payload = {"stripe_customer_id": customer, "value": value}
    return {"event_name": "st_api_request", "payload": payload, "identifier": identifier, **extra}


def test_stripe_client_v1_v2_and_module_level_calls_count_exactly_once(api):
    acme = api.customer("cus_StripeAcme")
    api.meter(feature="st_requests", event_type="st_api_request", value_property="value")

    outcomes = api.drive(
        "stripe",
        [
            {"call": "v1", "params": v1("s1", "25", timestamp=1756893600)},
            {"call": "v2", "params": v1("s2", "0.5", timestamp="2025-09-03T10:00:00Z")},
            {"call": "v1_module", "params": v1("s3", "4", timestamp=1756893601)},
            {"call": "v1", "params": v1("s1", "25", timestamp=1756893600)},  # a retry
            {"call": "v2", "params": v1("s2", "0.5", timestamp="2025-09-03T10:00:00Z")},
        ],
    )

    assert all(outcome.get("ok") for outcome in outcomes), outcomes
    first = outcomes[0]["response"]
    assert {k: first[k] for k in ("object", "event_name", "identifier", "timestamp", "payload", "livemode")} == {
        "object": "billing.meter_event",
        "event_name": "st_api_request",
        "identifier": "s1",
        "timestamp": 1756893600,
        "payload": {"stripe_customer_id": "cus_StripeAcme", "value": "25"},
        "livemode": False,
    }
    assert (outcomes[1]["response"]["object"], outcomes[1]["response"]["timestamp"]) == (
        "v2.billing.meter_event",
        "2025-09-03T10:00:00.000Z",
    )
    assert api.usage(acme) == {"st_requests": "29.5"}


def test_stripe_client_raises_invalid_request_error_naming_the_param(api):
    globex = api.customer("cus_StripeGlobex")
    api.meter(feature="st_emails", event_type="st_email", value_property="value")

    email = {"event_name": "st_email", "timestamp": 1756893600}
    outcomes = api.drive(
        "stripe",
        [
            {"call": "v1", "params": {**email, "payload": {"stripe_customer_id": "cus_StripeGlobex", "value": "many"}}},
            {
                "call": "v2",
                "params": {
                    **email,
                    "timestamp": "2025-09-03T10:00:00Z",
                    "payload": {"stripe_customer_id": "cus_Nobody", "value": "1"},
                },
            },
            {
                "call": "v1",
                "params": {
                    **email,
                    "event_name": "st_unknown",
                    "payload": {"stripe_customer_id": "cus_StripeGlobex", "value": "1"},
                },
            },
            {
                "call": "v1",
                "params": {**email, "payload": {"stripe_customer_id": "cus_StripeGlobex", "value": "1"}},
                "api_key": "sk_test_wrong",
            },
        ],
    )

    assert [(o["error"], o["status"], o["code"], o["param"]) for o in outcomes[:3]] == [
        ("InvalidRequestError", 400, "parameter_invalid", "payload[value]"),
        ("InvalidRequestError", 400, "resource_missing", "payload[stripe_customer_id]"),
        ("InvalidRequestError", 400, "parameter_invalid", "event_name"),
    ]
    assert outcomes[0]["message"] == "property 'value' is not a number: 'many' (meter 'st_emails' counts it)"
    assert outcomes[3]["status"] == 403  # the authorizer refused the wrong secret key
    assert api.usage(globex) == {}


def test_stripe_client_with_a_customer_key_records_its_own_customers_events_only(api):
    own = api.customer("cus_StripeOwn")
    other = api.customer("cus_StripeOther")
    api.meter(feature="st_own_calls", event_type="st_own_call", value_property="value")
    key = api.customer_key(own)
    call = {"event_name": "st_own_call", "timestamp": 1756893600}

    outcomes = api.drive(
        "stripe",
        [
            {
                "call": "v1",
                "params": {**call, "payload": {"stripe_customer_id": "cus_StripeOwn", "value": "2"}},
                "api_key": key,
            },
            {
                "call": "v2",
                "params": {
                    "event_name": "st_own_call",
                    "timestamp": "2025-09-03T10:00:00Z",
                    "payload": {"stripe_customer_id": "cus_StripeOther", "value": "5"},
                },
                "api_key": key,
            },
        ],
    )

    assert outcomes[0].get("ok"), outcomes
    # Stripe's clients raise PermissionError on a 403 (and read neither code nor param from it).
    assert {k: outcomes[1][k] for k in ("error", "status", "message")} == {
        "error": "PermissionError",
        "status": 403,
        "message": "this key may only send events of its own customer",
    }
    assert (api.usage(own), api.usage(other)) == ({"st_own_calls": "2"}, {})
