"""Who may send events: the meter routes are admin-only; POST /v1/events and the drop-in routes take a customer
key when every event names that key's own customer (by id or external id), and refuse the whole request in
the route's own envelope otherwise, before anything is stored. Creating a meter honours Idempotency-Key."""

import json

import pytest
from billing.http.authorizer import Principal

from tests.handlers.test_dropin_routes import (
    CLOUDEVENT,
    LAGO_EVENT,
    V1,
    lago,
    lago_batch,
    openmeter,
    stripe_v1,
    stripe_v2,
)
from tests.handlers.test_meter_routes import GOOD, create, events


@pytest.fixture
def acme_key(acme) -> Principal:
    return Principal(key_id="key_acme", role="customer", customer_id=acme.id)


@pytest.fixture
def globex(injected_services):
    return injected_services.customers.create(name="Globex", email="ops@globex.example", external_id="globex-1")


@pytest.fixture
def plain(injected_services):
    """A customer without an external id: drop-in clients cannot name it."""
    return injected_services.customers.create(name="Plain", email="ops@plain.example")


def test_the_meter_routes_are_for_admin_keys_only(api, acme_key, meters):
    refused = [
        create(api.as_key(acme_key), {"feature": "x", "event_type": "y"}),
        api("list_meters", "GET /v1/meters", "/v1/meters", principal=acme_key),
        api("get_meter", "GET /v1/meters/{feature}", "/v1/meters/tokens", principal=acme_key),
    ]
    assert [(r.status, r.body["error"]["code"]) for r in refused] == [(403, "forbidden")] * 3


def test_creating_a_meter_again_with_the_same_idempotency_key_replays_the_first_answer(api):
    meter = {"feature": "api_calls", "event_type": "request"}
    headers = {"idempotency-key": "meter-1"}
    first = api("create_meter", "POST /v1/meters", "/v1/meters", meter, headers=headers)
    again = api("create_meter", "POST /v1/meters", "/v1/meters", meter, headers=headers)
    assert (first.status, again.status) == (201, 201) and again.body == first.body
    assert again.headers.get("idempotent-replayed") == "true"
    other = api("create_meter", "POST /v1/meters", "/v1/meters", {**meter, "event_type": "x"}, headers=headers)
    assert (other.status, other.body["error"]["code"]) == (422, "idempotency_key_reused")


class TestV1Events:
    def test_a_customer_key_sends_its_own_events_by_id_or_external_id(self, api, acme, acme_key, meters, usage):
        by_id = {**GOOD, "id": "own-2", "customer_id": acme.id, "external_customer_id": None}
        reply = api.as_key(acme_key)(
            "ingest_customer_events", "POST /v1/events", "/v1/events", {"events": [GOOD, by_id]}
        )
        assert (reply.status, reply.body["accepted"]) == (200, 2)
        assert usage(acme.id) == {"api_calls": 2}

    @pytest.mark.parametrize(
        ("foreign", "field"),
        [
            ({"external_customer_id": "globex-1"}, "events[1].external_customer_id"),
            ({"external_customer_id": None, "customer_id": "GLOBEX"}, "events[1].customer_id"),
            ({"external_customer_id": "nobody"}, "events[1].external_customer_id"),  # unknown: no hint it is
        ],
    )
    def test_one_event_of_another_customer_refuses_the_batch(
        self, api, acme, acme_key, globex, meters, usage, foreign, field
    ):
        foreign = {k: (globex.id if v == "GLOBEX" else v) for k, v in foreign.items()}
        batch = [GOOD, {**GOOD, "id": "theirs", **foreign}]
        reply = api.as_key(acme_key)("ingest_customer_events", "POST /v1/events", "/v1/events", {"events": batch})
        assert reply.status == 403
        assert reply.body["error"]["code"] == "forbidden"
        assert reply.body["error"]["fields"][0]["field"] == field
        assert "Globex" not in reply.text and usage(acme.id) == usage(globex.id) == {}

    def test_a_customer_without_an_external_id_names_itself_by_id_only(self, api, plain, meters, usage):
        key = Principal(key_id="key_plain", role="customer", customer_id=plain.id)
        mine = {**GOOD, "external_customer_id": None, "customer_id": plain.id}
        assert events(api.as_key(key), mine).status == 200
        assert events(api.as_key(key), {**GOOD, "id": "x"}).status == 403  # acme-1 is not its external id

    def test_a_malformed_batch_is_400_whoever_sends_it(self, api, acme_key):
        reply = events(api.as_key(acme_key), {**GOOD, "ts": "yesterday"})
        assert (reply.status, reply.body["error"]["fields"][0]["field"]) == (400, "events[0].ts")


class TestDropInRoutes:
    def test_a_customer_key_sends_its_own_events_through_every_vendors_route(self, api, acme, acme_key, meters, usage):
        own = api.as_key(acme_key)
        v2 = {
            "event_name": "email_sent",
            "timestamp": "2025-09-03T10:00:00Z",
            "payload": {"stripe_customer_id": "acme-1", "value": 2},
        }
        replies = [
            openmeter(own, [CLOUDEVENT, {**CLOUDEVENT, "id": "e-2"}], "application/cloudevents-batch+json"),
            lago(own, {"event": LAGO_EVENT}),
            lago_batch(own, {"events": [{**LAGO_EVENT, "transaction_id": "tx-2", "external_customer_id": "acme-1"}]}),
            stripe_v1(own, V1),
            stripe_v2(own, v2),
        ]
        assert [r.status for r in replies] == [204, 200, 200, 200, 200]
        assert usage(acme.id) == {"tokens": 200, "emails": 3 + 3 + 25 + 2}

    def test_openmeter_refuses_another_customers_event_with_a_problem_naming_its_subject(
        self, api, acme, acme_key, globex, meters, usage
    ):
        batch = [CLOUDEVENT, {**CLOUDEVENT, "id": "e-2", "subject": "globex-1"}]
        reply = openmeter(api.as_key(acme_key), batch, "application/cloudevents-batch+json")
        assert (reply.status, reply.headers["content-type"]) == (403, "application/problem+json")
        assert (reply.body["title"], reply.body["error"]["code"]) == ("Forbidden", "forbidden")
        assert reply.body["error"]["fields"][0]["field"] == "[1].subject"
        assert usage(acme.id) == usage(globex.id) == {}

    def test_openmeter_reads_a_malformed_body_as_a_400_before_the_key_is_checked(self, api, acme_key):
        reply = openmeter(api.as_key(acme_key), "{not json")
        assert (reply.status, reply.body["error"]["fields"][0]["field"]) == (400, "body")

    def test_lago_refuses_another_customers_event_with_its_envelope(self, api, acme, acme_key, globex, meters, usage):
        theirs = {**LAGO_EVENT, "transaction_id": "tx-9", "external_subscription_id": "globex-1"}
        single = lago(api.as_key(acme_key), {"event": theirs})
        batch = lago_batch(api.as_key(acme_key), {"events": [LAGO_EVENT, theirs]})
        expected = {"status": 403, "error": "Forbidden", "code": "forbidden"}
        assert (single.status, single.body) == (batch.status, batch.body) == (403, expected)
        assert usage(acme.id) == usage(globex.id) == {}

    def test_stripe_refuses_another_customers_event_naming_the_param(self, api, acme_key, globex, meters, usage):
        v1 = stripe_v1(api.as_key(acme_key), {**V1, "payload[stripe_customer_id]": "globex-1"})
        v2 = stripe_v2(
            api.as_key(acme_key),
            {"event_name": "email_sent", "payload": {"stripe_customer_id": "globex-1", "value": 1}},
        )
        for reply in (v1, v2):
            assert reply.status == 403
            error = reply.body["error"]
            assert (error["type"], error["code"], error["param"]) == (
                "invalid_request_error",
                "forbidden",
                "payload[stripe_customer_id]",
            )
        assert usage(globex.id) == {}

    def test_the_form_and_the_cloudevents_are_read_once_per_request(self, api, acme, acme_key, meters, monkeypatch):
        from billing.http.dropin import openmeter as openmeter_module
        from billing.http.dropin import stripe as stripe_module

        openmeter_module.read_events.cache_clear()
        stripe_module.read_form.cache_clear()
        openmeter(api.as_key(acme_key), CLOUDEVENT)
        stripe_v1(api.as_key(acme_key), V1)
        assert openmeter_module.read_events.cache_info().misses == 1
        assert stripe_module.read_form.cache_info().misses == 1


def test_a_raw_body_with_another_customer_in_a_later_request_is_not_served_from_the_cache(
    api, acme, acme_key, globex, meters
):
    own = openmeter(api.as_key(acme_key), json.dumps(CLOUDEVENT))
    theirs = openmeter(api.as_key(acme_key), json.dumps({**CLOUDEVENT, "subject": "globex-1"}))
    form = stripe_v1(api.as_key(acme_key), {**V1, "payload[stripe_customer_id]": "globex-1"})
    assert (own.status, theirs.status, form.status) == (204, 403, 403)
