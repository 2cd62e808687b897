"""The drop-in routes answer as OpenMeter, Lago and Stripe do, and feed the same meters and rollups."""

import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest

CLOUDEVENT = {
    "specversion": "1.0",
    "id": "e-1",
    "source": "my-app",
    "type": "prompt",
    "subject": "acme-1",
    "time": "2025-09-03T10:00:00.123456789Z",
    "data": {"usage": {"tokens": 100}, "model": "gpt-4o"},
}


def openmeter(api, body, content_type="application/cloudevents+json"):
    raw = body if isinstance(body, str) else json.dumps(body)
    return api(
        "openmeter_ingest_events", "POST /api/v1/events", "/api/v1/events", raw, headers={"content-type": content_type}
    )


class TestOpenMeter:
    def test_one_event_or_a_batch_is_answered_204_without_a_body(self, api, acme, meters, usage):
        one = openmeter(api, CLOUDEVENT)
        batch = openmeter(
            api,
            [{**CLOUDEVENT, "id": "e-2"}, {**CLOUDEVENT, "id": "e-3", "data": {"usage": {"tokens": "0.5"}}}],
            "application/cloudevents-batch+json",
        )
        plain = openmeter(api, [{**CLOUDEVENT, "id": "e-4", "type": "request", "data": None}], "application/json")
        assert [(r.status, r.text) for r in (one, batch, plain)] == [(204, None)] * 3
        assert usage(acme.id) == {"tokens": Decimal("200.5"), "api_calls": 1}

    def test_ids_are_de_duplicated_with_their_source(self, api, acme, meters, usage):
        openmeter(api, CLOUDEVENT)
        openmeter(api, CLOUDEVENT)
        openmeter(api, {**CLOUDEVENT, "source": "other-app"})
        assert usage(acme.id) == {"tokens": 200}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({**CLOUDEVENT, "type": "unknown"}, "type"),
            ({**CLOUDEVENT, "subject": "nobody"}, "subject"),
            ({**CLOUDEVENT, "data": {"usage": {}}}, "data.usage.tokens"),
            ({**CLOUDEVENT, "specversion": "0.3"}, "specversion"),
            ([CLOUDEVENT, {**CLOUDEVENT, "id": "e-9", "data": {"usage": {"tokens": "x"}}}], "[1].data.usage.tokens"),
            ([CLOUDEVENT, {**CLOUDEVENT, "time": "yesterday"}], "[1].time"),
        ],
    )
    def test_a_refusal_is_a_problem_naming_the_attribute_and_nothing_is_stored(
        self, api, acme, meters, usage, body, field
    ):
        reply = openmeter(api, body, "application/json")
        assert reply.status == 400
        assert reply.headers["content-type"] == "application/problem+json"
        assert (reply.body["type"], reply.body["title"], reply.body["status"]) == ("about:blank", "Bad Request", 400)
        assert reply.body["error"]["fields"][0]["field"] == field
        assert usage(acme.id) == {}

    def test_a_body_that_is_not_json_is_a_400_problem(self, api, acme):
        reply = openmeter(api, "{not json")
        assert (reply.status, reply.body["error"]["fields"][0]["field"]) == (400, "body")


LAGO_EVENT = {
    "transaction_id": "tx-1",
    "external_subscription_id": "acme-1",
    "code": "email_sent",
    "timestamp": "1756893600.25",
    "properties": {"value": "3"},
    "precise_total_amount_cents": None,
}


def lago(api, body):
    return api("lago_create_event", "POST /lago/api/v1/events", "/lago/api/v1/events", body)


def lago_batch(api, body):
    return api("lago_create_batch_events", "POST /lago/api/v1/events/batch", "/lago/api/v1/events/batch", body)


class TestLago:
    def test_an_event_is_echoed_as_lago_does_and_a_retry_is_not_counted_again(self, api, acme, meters, usage):
        reply = lago(api, {"event": LAGO_EVENT})
        again = lago(api, {"event": LAGO_EVENT})
        assert reply.status == again.status == 200
        event = reply.body["event"]
        assert (event["transaction_id"], event["code"], event["lago_customer_id"]) == ("tx-1", "email_sent", acme.id)
        assert event["timestamp"] == "2025-09-03T10:00:00.250000Z"
        assert usage(acme.id) == {"emails": 3}

    def test_a_batch_takes_numbers_strings_and_external_customer_ids(self, api, acme, meters, usage):
        reply = lago_batch(
            api,
            {
                "events": [
                    {**LAGO_EVENT, "transaction_id": "b-1", "timestamp": 1756893600},
                    {
                        **LAGO_EVENT,
                        "transaction_id": "b-2",
                        "external_subscription_id": None,
                        "external_customer_id": "acme-1",
                    },
                    {**LAGO_EVENT, "transaction_id": "b-3", "code": "request", "properties": {"region": "eu"}},
                ]
            },
        )
        assert reply.status == 200 and len(reply.body["events"]) == 3
        assert usage(acme.id) == {"emails": 6, "api_calls": 1, "api_calls_eu": 1}

    def test_a_refused_event_gets_lagos_422_envelope_keyed_by_field(self, api, acme, meters, usage):
        reply = lago(api, {"event": {**LAGO_EVENT, "code": "unknown"}})
        assert reply.status == 422
        assert reply.body == {
            "status": 422,
            "error": "Unprocessable Entity",
            "code": "validation_errors",
            "error_details": {"code": ["no meter counts events of type 'unknown'"]},
        }

    @pytest.mark.parametrize(
        ("event", "field"),
        [
            ({**LAGO_EVENT, "properties": {}}, "properties.value"),
            ({**LAGO_EVENT, "external_subscription_id": "nobody"}, "external_subscription_id"),
            ({**LAGO_EVENT, "external_customer_id": "nobody"}, "external_customer_id"),
            ({**LAGO_EVENT, "external_subscription_id": None}, "external_subscription_id"),
            ({**LAGO_EVENT, "timestamp": "soon"}, "timestamp"),
            ({**LAGO_EVENT, "precise_total_amount_cents": "12.5"}, "precise_total_amount_cents"),
        ],
    )
    def test_a_batch_refusal_is_keyed_by_the_events_index(self, api, acme, meters, usage, event, field):
        reply = lago_batch(api, {"events": [LAGO_EVENT, event]})
        assert reply.status == 422
        assert list(reply.body["error_details"]) == ["1"]
        assert list(reply.body["error_details"]["1"]) == [field]
        assert usage(acme.id) == {}

    def test_a_body_without_an_event_is_lagos_400(self, api):
        assert lago(api, {"nope": {}}).body == {
            "status": 400,
            "error": "BadRequest: param is missing or the value is empty: event",
        }


def stripe_v1(api, params):
    return api(
        "stripe_meter_event_v1",
        "POST /v1/billing/meter_events",
        "/v1/billing/meter_events",
        urlencode(params),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def stripe_v2(api, body):
    return api("stripe_meter_event_v2", "POST /v2/billing/meter_events", "/v2/billing/meter_events", body)


V1 = {
    "event_name": "email_sent",
    "payload[stripe_customer_id]": "acme-1",
    "payload[value]": "25",
    "identifier": "idmp-1",
    "timestamp": "1756893600",
}


class TestStripe:
    def test_a_form_encoded_meter_event_answers_a_billing_meter_event(self, api, acme, meters, usage):
        reply = stripe_v1(api, V1)
        assert reply.status == 200
        assert reply.body == {
            "object": "billing.meter_event",
            "created": 1759397400,  # the frozen clock
            "event_name": "email_sent",
            "identifier": "idmp-1",
            "livemode": False,
            "payload": {"stripe_customer_id": "acme-1", "value": "25"},
            "timestamp": 1756893600,
        }
        assert stripe_v1(api, V1).status == 200
        assert usage(acme.id) == {"emails": 25}

    def test_a_v2_json_meter_event_answers_a_v2_object(self, api, acme, meters, usage):
        body = {
            "event_name": "email_sent",
            "identifier": "v2-1",
            "timestamp": "2025-09-03T10:00:00Z",
            "payload": {"stripe_customer_id": "acme-1", "value": "1.5"},
        }
        reply = stripe_v2(api, body)
        assert reply.status == 200
        assert (reply.body["object"], reply.body["timestamp"], reply.body["identifier"]) == (
            "v2.billing.meter_event",
            "2025-09-03T10:00:00.000Z",
            "v2-1",
        )
        stripe_v2(api, body)
        assert usage(acme.id) == {"emails": Decimal("1.5")}

    @pytest.mark.parametrize(
        ("params", "code", "param"),
        [
            ({**V1, "payload[value]": "lots"}, "parameter_invalid", "payload[value]"),
            ({**V1, "event_name": "nope"}, "parameter_invalid", "event_name"),
            ({**V1, "payload[stripe_customer_id]": "cus_nobody"}, "resource_missing", "payload[stripe_customer_id]"),
            (
                {k: v for k, v in V1.items() if k != "payload[stripe_customer_id]"},
                "parameter_missing",
                "payload[stripe_customer_id]",
            ),
            ({**V1, "colour": "red"}, "parameter_unknown", "colour"),
            ({**V1, "timestamp": "noon"}, "parameter_invalid", "timestamp"),
        ],
    )
    def test_a_refusal_has_stripes_error_shape_and_names_the_param(self, api, acme, meters, usage, params, code, param):
        reply = stripe_v1(api, params)
        assert reply.status == 400
        error = reply.body["error"]
        assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
        assert usage(acme.id) == {}


# Issue 17: bodies nested past any recursion limit crashed the drop-in routes' own copy of the JSON reader (500);
# they read bodies with the API's one reader (billing.http.body), which refuses them as malformed JSON.
DEEP_ARRAYS = "[" * 100_000 + "]" * 100_000
DEEP_OBJECTS = '{"a":' * 50_000 + "1" + "}" * 50_000
JSON_DROP_IN_ROUTES = {
    "openmeter, one event": lambda api, body: openmeter(api, body, "application/cloudevents+json"),
    "openmeter, a batch": lambda api, body: openmeter(api, body, "application/cloudevents-batch+json"),
    "openmeter, plain JSON": lambda api, body: openmeter(api, body, "application/json"),
    "lago, one event": lago,
    "lago, a batch": lago_batch,
    "stripe v2": stripe_v2,
}


@pytest.mark.parametrize("body", [DEEP_ARRAYS, DEEP_OBJECTS], ids=["deep arrays", "deep objects"])
@pytest.mark.parametrize("route", sorted(JSON_DROP_IN_ROUTES))
def test_a_body_nested_past_any_limit_is_a_400_in_the_vendors_envelope(api, acme, meters, usage, route, body):
    reply = JSON_DROP_IN_ROUTES[route](api, body)
    assert reply.status == 400, reply.text
    assert reply.text is not None and len(reply.text) < 2_000  # the refusal never echoes the body
    assert usage(acme.id) == {}


def _with_number(document: dict, literal: str) -> str:
    """`document` as JSON text with its one 0 replaced by a raw number literal (json.dumps cannot write a
    5,000-digit one)."""
    return json.dumps(document).replace(": 0", f": {literal}", 1)


FIVE_THOUSAND_DIGITS = "9" * 5_000
STRIPE_V2_EVENT = {"event_name": "email_sent", "payload": {"stripe_customer_id": "acme-1", "value": 0}}


@pytest.mark.parametrize(
    ("send", "document", "status"),
    [
        (lago, {"event": {**LAGO_EVENT, "timestamp": 0}}, 422),
        (stripe_v2, STRIPE_V2_EVENT, 400),
        (openmeter, {**CLOUDEVENT, "data": {"usage": {"tokens": 0}}}, 400),
    ],
    ids=["lago timestamp", "stripe v2 payload.value", "openmeter data"],
)
def test_a_number_of_5000_digits_is_refused_in_the_vendors_envelope(api, acme, meters, usage, send, document, status):
    # Issue 17: int() of a JSON integer past 4,300 digits raised ValueError in the drop-in reader (a 500).
    assert send(api, _with_number(document, FIVE_THOUSAND_DIGITS)).status == status
    assert usage(acme.id) == {}


# Issue 17: unix seconds outside the event window were acknowledged (200) and stored in periods no billing run
# accepts (1969-12, 9999-12), or answered 500 for a customer in UTC+14 (year 10000 has no local date).
OUT_OF_WINDOW_SECONDS = [0, 946_684_799, 4_102_444_800, 253_402_300_799]
OUT_OF_WINDOW_INSTANTS = ["1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "2099-12-31T23:00:00-14:00"]


@pytest.fixture
def kiritimati(injected_services):
    return injected_services.customers.create(
        name="Kiritimati", email="ops@kiritimati.example", external_id="acme-1", timezone_name="Pacific/Kiritimati"
    )


@pytest.mark.parametrize("seconds", OUT_OF_WINDOW_SECONDS)
def test_unix_seconds_outside_the_event_window_are_refused_naming_timestamp(api, kiritimati, meters, usage, seconds):
    lago_reply = lago(api, {"event": {**LAGO_EVENT, "timestamp": seconds}})
    lago_text = lago(api, {"event": {**LAGO_EVENT, "timestamp": str(seconds)}})
    batch_reply = lago_batch(api, {"events": [LAGO_EVENT, {**LAGO_EVENT, "transaction_id": "b", "timestamp": seconds}]})
    stripe_reply = stripe_v1(api, {**V1, "timestamp": str(seconds)})

    assert [r.status for r in (lago_reply, lago_text, batch_reply)] == [422] * 3
    assert list(lago_reply.body["error_details"]) == list(lago_text.body["error_details"]) == ["timestamp"]
    assert list(batch_reply.body["error_details"]) == ["1"]
    assert list(batch_reply.body["error_details"]["1"]) == ["timestamp"]
    assert stripe_reply.status == 400 and stripe_reply.body["error"]["param"] == "timestamp"
    assert usage(kiritimati.id) == {}


@pytest.mark.parametrize("instant", OUT_OF_WINDOW_INSTANTS)
def test_instants_outside_the_event_window_are_refused_naming_the_vendors_field(
    api, kiritimati, meters, usage, instant
):
    cloud = openmeter(api, [CLOUDEVENT, {**CLOUDEVENT, "id": "e-2", "time": instant}], "application/json")
    stripe = stripe_v2(api, {**STRIPE_V2_EVENT, "timestamp": instant, "payload": {"stripe_customer_id": "acme-1"}})

    assert (cloud.status, cloud.body["error"]["fields"][0]["field"]) == (400, "[1].time")
    assert (stripe.status, stripe.body["error"]["param"]) == (400, "timestamp")
    assert usage(kiritimati.id) == {}


def test_the_window_edges_are_accepted_and_billed_in_a_period_a_run_accepts(api, kiritimati, meters):
    first, last = "946684800", "4102444799.999999"
    assert lago(api, {"event": {**LAGO_EVENT, "transaction_id": "first", "timestamp": first}}).status == 200
    assert lago(api, {"event": {**LAGO_EVENT, "transaction_id": "last", "timestamp": last}}).status == 200
    for period in ("2000-01", "2100-01"):  # the local months in UTC+14
        run = api("run_invoices", "POST /v1/invoices/run", "/v1/invoices/run", query={"period": period})
        assert run.status == 200, run.text
        invoices = api(
            "list_customer_invoices",
            "GET /v1/customers/{customer_id}/invoices",
            f"/v1/customers/{kiritimati.id}/invoices",
        ).body
        assert period in [invoice["period"] for invoice in invoices]


@pytest.mark.parametrize(
    ("value", "reason"),
    [("1e15", "less than 1E+15"), ("1e20", "less than 1E+15"), ("0.0000000001", "at most 9 decimal places")],
)
def test_a_meter_value_past_the_quantity_bound_is_refused_as_a_sent_quantity_is(
    api, acme, meters, usage, value, reason
):
    # Issue 17: a meter read any 38-digit number, so a drop-in event could store what /v1 refuses as a quantity.
    stripe = stripe_v1(api, {**V1, "payload[value]": value})
    lago_reply = lago(api, {"event": {**LAGO_EVENT, "properties": {"value": value}}})
    v1 = api(
        "ingest_customer_events",
        "POST /v1/events",
        "/v1/events",
        {
            "events": [
                {
                    "external_customer_id": "acme-1",
                    "type": "email_sent",
                    "ts": "2025-09-03T10:00:00Z",
                    "properties": {"value": value},
                }
            ]
        },
    )
    assert (stripe.status, stripe.body["error"]["param"]) == (400, "payload[value]")
    assert reason in stripe.body["error"]["message"]
    assert (lago_reply.status, list(lago_reply.body["error_details"])) == (422, ["properties.value"])
    assert (v1.status, v1.error_fields()) == (400, ["events[0].properties.value"])
    assert usage(acme.id) == {}
