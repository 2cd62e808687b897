"""The seed's routes through their handlers: shapes, status codes and one error body across the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from billing.auth import ADMIN

from events.generate import SAMPLES, function_folder
from local_gateway.events import http_event
from local_gateway.template import load_template
from tests.handlers.conftest import handler

BODY_ROUTES = {name: s for name, s in SAMPLES.items() if "body" in s}
# Drop-in routes answer in their vendor's error shape (tests/handlers_metering); they still answer 400.
VENDOR_SHAPED = {
    "openmeter_ingest_events",
    "lago_create_event",
    "lago_create_batch_events",
    "stripe_meter_event_v1",
    "stripe_meter_event_v2",
}


def create_customer(api, email="ops@acme.example", **extra):
    status, body = api.call(
        "create_customer", "POST", "/v1/customers", "/v1/customers", body={"name": "Acme", "email": email, **extra}
    )
    assert status == 201, body
    return body


def ingest(api, customer_id, events):
    return api.call(
        "ingest_events",
        "POST",
        "/v1/events/batch",
        "/v1/events/batch",
        body={"customer_id": customer_id, "events": events},
    )


def usage(api, customer_id, **query):
    return api.call(
        "get_usage",
        "GET",
        f"/v1/customers/{customer_id}/usage",
        "/v1/customers/{customer_id}/usage",
        query={"start": "2025-09-01T00:00:00Z", "end": "2025-10-01T00:00:00Z", **query},
        path_parameters={"customer_id": customer_id},
    )


ROUTES = {
    function_folder(route.code_dir, route.handler): route
    for route in load_template(Path(__file__).parents[2] / "template.yaml").routes
}


@pytest.mark.parametrize("function", sorted(BODY_ROUTES))
def test_a_body_that_is_not_json_is_a_400_naming_the_body_on_every_route(function, api, lambda_context):
    route = ROUTES[function]
    path_parameters = SAMPLES[function].get("path", {})
    path = route.path
    for name, value in path_parameters.items():
        path = path.replace("{" + name + "}", value)
    event = http_event(
        route.method,
        path,
        route_key=route.route_key,
        body="{not json",
        headers={"content-type": "application/json"},
        path_parameters=path_parameters or None,
        authorizer_context=ADMIN.as_context(),
    )
    reply = handler(function)(event, lambda_context)
    assert reply["statusCode"] == 400
    if function not in VENDOR_SHAPED:
        assert '"field": "body"' in reply["body"] and "not valid JSON" in reply["body"]


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain"])
def test_a_json_body_is_read_as_json_whatever_its_declared_type(content_type, injected_services, lambda_context):
    # `curl -d '{...}'` without -H sends application/x-www-form-urlencoded.
    headers = {"content-type": content_type} if content_type else {}
    event = http_event(
        "POST",
        "/v1/customers",
        route_key="POST /v1/customers",
        body='{"name": "Curl", "email": "curl@acme.example"}',
        headers=headers,
        authorizer_context=ADMIN.as_context(),
    )
    reply = handler("create_customer")(event, lambda_context)
    assert reply["statusCode"] == 201, reply["body"]


def test_creating_a_customer_returns_201_with_its_id_and_defaults(api):
    customer = create_customer(api)
    assert customer["id"].startswith("cus_")
    assert (customer["timezone"], customer["plan_id"], customer["currency"]) == ("UTC", None, "USD")


def test_a_duplicate_email_is_a_409_naming_email(api):
    create_customer(api)
    status, body = api.call(
        "create_customer", "POST", "/v1/customers", "/v1/customers", body={"name": "Other", "email": "OPS@acme.example"}
    )
    assert status == 409
    assert body["error"]["code"] == "conflict"
    assert body["error"]["fields"][0]["field"] == "email"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "email": "not-an-email"}, "email"),
        ({"email": "a@b.io"}, "name"),
        ({"name": "A", "email": "a@b.io", "timezone": "Mars/Base"}, "timezone"),
        ({"name": "A", "email": "a@b.io", "colour": "red"}, "colour"),
    ],
)
def test_invalid_customers_are_400s_naming_the_field(api, body, field):
    status, reply = api.call("create_customer", "POST", "/v1/customers", "/v1/customers", body=body)
    assert status == 400
    assert field in [f["field"] for f in reply["error"]["fields"]]


def test_unknown_customers_are_404(api):
    status, body = api.call(
        "get_customer",
        "GET",
        "/v1/customers/cus_x",
        "/v1/customers/{customer_id}",
        path_parameters={"customer_id": "cus_x"},
    )
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, _ = api.call(
        "list_customer_invoices",
        "GET",
        "/v1/customers/cus_x/invoices",
        "/v1/customers/{customer_id}/invoices",
        path_parameters={"customer_id": "cus_x"},
    )
    assert status == 404


def test_listing_customers_pages_with_an_opaque_cursor_and_searches(api):
    ids = sorted(create_customer(api, email=f"c{i}@acme.example")["id"] for i in range(3))
    status, first = api.call("list_customers", "GET", "/v1/customers", "/v1/customers", query={"limit": "2"})
    assert status == 200 and len(first["data"]) == 2 and first["next_cursor"]
    query = {"limit": "2", "cursor": first["next_cursor"]}
    status, second = api.call("list_customers", "GET", "/v1/customers", "/v1/customers", query=query)
    assert status == 200 and second["next_cursor"] is None
    assert sorted(c["id"] for c in first["data"] + second["data"]) == ids
    status, found = api.call("list_customers", "GET", "/v1/customers", "/v1/customers", query={"q": "C1@ACME"})
    assert status == 200 and [c["email"] for c in found["data"]] == ["c1@acme.example"]
    status, refused = api.call("list_customers", "GET", "/v1/customers", "/v1/customers", query={"cursor": "!!"})
    assert status == 400 and refused["error"]["fields"][0]["field"] == "cursor"


def test_a_batch_reports_accepted_duplicates_and_each_events_result(api):
    customer_id = create_customer(api)["id"]
    events = [
        {"id": "e1", "feature": "api_calls", "quantity": 10, "ts": "2025-09-03T10:00:00Z"},
        {"id": "e1", "feature": "api_calls", "quantity": 10, "ts": "2025-09-03T10:00:00Z"},
    ]
    status, body = ingest(api, customer_id, events)
    assert status == 200
    assert body == {
        "accepted": 1,
        "duplicates": 1,
        "results": [{"index": 0, "id": "e1", "status": "accepted"}, {"index": 1, "id": "e1", "status": "duplicate"}],
    }


@pytest.mark.parametrize(
    ("bad_event", "field"),
    [
        ({"quantity": 1, "ts": "2025-09-03T10:00:00Z"}, "events[2].feature"),
        ({"feature": "api", "quantity": "ten", "ts": "2025-09-03T10:00:00Z"}, "events[2].quantity"),
        ({"feature": "api", "quantity": -1, "ts": "2025-09-03T10:00:00Z"}, "events[2].quantity"),
        ({"feature": "api", "quantity": "NaN", "ts": "2025-09-03T10:00:00Z"}, "events[2].quantity"),
        ({"feature": "api", "quantity": 1, "ts": "2025-09-03T10:00:00"}, "events[2].ts"),
        ({"feature": "api", "quantity": 1, "ts": 1756893600}, "events[2].ts"),
        ({"feature": "api", "quantity": 1, "ts": "yesterday"}, "events[2].ts"),
        (
            {"feature": "api", "quantity": 1, "ts": "2025-09-03T10:00:00Z", "properties": {"a": {"b": 1}}},
            "events[2].properties",
        ),
    ],
)
def test_an_invalid_event_is_a_400_naming_index_and_field_and_nothing_of_the_batch_is_written(api, bad_event, field):
    customer_id = create_customer(api)["id"]
    good = [{"id": f"g{i}", "feature": "api", "quantity": 1, "ts": "2025-09-03T10:00:00Z"} for i in range(2)]
    status, body = ingest(api, customer_id, [*good, bad_event])
    assert status == 400
    assert body["error"]["code"] == "validation_error"
    assert field in [f["field"] for f in body["error"]["fields"]]
    assert usage(api, customer_id) == (200, [])


def test_an_unknown_customer_in_a_batch_is_a_400_naming_customer_id(api):
    status, body = ingest(api, "cus_missing", [{"feature": "api", "quantity": 1, "ts": "2025-09-03T10:00:00Z"}])
    assert status == 400
    assert body["error"]["fields"] == [{"field": "customer_id", "message": "customer 'cus_missing' does not exist"}]


def test_json_numbers_are_exact_decimals_end_to_end(api):
    customer_id = create_customer(api)["id"]
    ingest(
        api,
        customer_id,
        [{"id": f"e{i}", "feature": "gb", "quantity": 0.1, "ts": "2025-09-03T10:00:00Z"} for i in range(3)],
    )
    assert usage(api, customer_id) == (200, [{"feature": "gb", "quantity": "0.3"}])


def test_usage_as_a_daily_series(api):
    customer_id = create_customer(api)["id"]
    ingest(
        api,
        customer_id,
        [
            {"id": "a", "feature": "api", "quantity": 2, "ts": "2025-09-03T10:00:00Z"},
            {"id": "b", "feature": "api", "quantity": 3, "ts": "2025-09-04T10:00:00Z"},
        ],
    )
    status, body = usage(api, customer_id, window="day")
    assert status == 200
    assert body == [
        {"feature": "api", "window_start": "2025-09-03T00:00:00+00:00", "quantity": "2"},
        {"feature": "api", "window_start": "2025-09-04T00:00:00+00:00", "quantity": "3"},
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"start": "nope"}, "start"), ({"window": "week"}, "window"), ({"end": "2025-08-01T00:00:00Z"}, "end")],
)
def test_bad_usage_queries_are_400s_naming_the_parameter(api, query, field):
    customer_id = create_customer(api)["id"]
    status, body = usage(api, customer_id, **query)
    assert status == 400
    assert field in [f["field"] for f in body["error"]["fields"]]


def test_usage_as_billed_says_each_features_aggregation_and_its_quantity(api, injected_services):
    customer_id = create_customer(api)["id"]
    prices = [
        {"feature": "seats", "model": "per_unit", "unit_amount": "8", "aggregation": "max"},
        {"feature": "users", "model": "per_unit", "unit_amount": "3", "aggregation": "unique_count", "property": "id"},
    ]
    plan = injected_services.plans.create(name="Seats", currency="USD", prices=prices)
    injected_services.customers.assign_plan(customer_id, plan.id)
    ingest(
        api,
        customer_id,
        [
            {"id": "a", "feature": "seats", "quantity": 2, "ts": "2025-09-03T10:00:00Z"},
            {"id": "b", "feature": "seats", "quantity": 5, "ts": "2025-09-03T11:00:00Z"},
            {"id": "c", "feature": "seats", "quantity": 3, "ts": "2025-09-04T10:00:00Z"},
            {"id": "d", "feature": "users", "quantity": 1, "ts": "2025-09-03T10:00:00Z", "properties": {"id": "ada"}},
            {"id": "e", "feature": "users", "quantity": 1, "ts": "2025-09-04T10:00:00Z", "properties": {"id": "ada"}},
            {"id": "f", "feature": "api", "quantity": 4, "ts": "2025-09-04T10:00:00Z"},
        ],
    )

    assert usage(api, customer_id, aggregation="billed") == (
        200,
        [
            {"feature": "api", "quantity": "4", "aggregation": "sum"},
            {"feature": "seats", "quantity": "5", "aggregation": "max"},
            {"feature": "users", "quantity": "1", "aggregation": "unique_count", "property": "id"},
        ],
    )
    status, days = usage(api, customer_id, aggregation="billed", window="day")
    assert status == 200
    assert [d for d in days if d["feature"] != "api"] == [
        {"feature": "seats", "window_start": "2025-09-03T00:00:00+00:00", "quantity": "5", "aggregation": "max"},
        {"feature": "seats", "window_start": "2025-09-04T00:00:00+00:00", "quantity": "3", "aggregation": "max"},
        {
            "feature": "users",
            "window_start": "2025-09-03T00:00:00+00:00",
            "quantity": "1",
            "aggregation": "unique_count",
            "property": "id",
        },
        {
            "feature": "users",
            "window_start": "2025-09-04T00:00:00+00:00",
            "quantity": "1",
            "aggregation": "unique_count",
            "property": "id",
        },
    ]


@pytest.mark.parametrize("query", [{}, {"window": "day"}, {"window": "hour", "tz": "Asia/Kolkata"}])
def test_aggregation_sum_is_the_default_reply_byte_for_byte(api, lambda_context, query):
    customer_id = create_customer(api)["id"]
    ingest(api, customer_id, [{"id": "a", "feature": "api", "quantity": "1.50", "ts": "2025-09-03T10:00:00Z"}])

    def body(**extra):
        event = http_event(
            "GET",
            f"/v1/customers/{customer_id}/usage",
            route_key="GET /v1/customers/{customer_id}/usage",
            query={"start": "2025-09-01T00:00:00Z", "end": "2025-10-01T00:00:00Z", **query, **extra},
            path_parameters={"customer_id": customer_id},
            authorizer_context=ADMIN.as_context(),
        )
        reply = handler("get_usage")(event, lambda_context)
        assert reply["statusCode"] == 200
        return reply["body"]

    assert body(aggregation="sum") == body()
    assert '"quantity":"1.50"' in body()
    assert "aggregation" not in body() and "aggregation" in body(aggregation="billed")


@pytest.mark.parametrize("value", ["max", "BILLED", "", "billed,sum"])
def test_an_unknown_usage_aggregation_is_a_400_naming_aggregation(api, value):
    customer_id = create_customer(api)["id"]
    status, body = usage(api, customer_id, aggregation=value)
    assert status == 400
    assert [f["field"] for f in body["error"]["fields"]] == ["aggregation"]


def test_billing_twice_keeps_one_invoice_per_customer_and_period(api):
    customer_id = create_customer(api)["id"]
    ingest(api, customer_id, [{"id": "a", "feature": "api_calls", "quantity": 1500, "ts": "2025-09-03T10:00:00Z"}])
    run = {"period": "2025-09", "unit_price": "0.01"}
    first = api.call("run_invoices", "POST", "/v1/invoices/run", "/v1/invoices/run", query=run)
    second = api.call("run_invoices", "POST", "/v1/invoices/run", "/v1/invoices/run", query=run)
    assert first[1]["invoice_ids"] == second[1]["invoice_ids"] and first[1]["invoices_generated"] == 1
    status, invoices = api.call(
        "list_customer_invoices",
        "GET",
        f"/v1/customers/{customer_id}/invoices",
        "/v1/customers/{customer_id}/invoices",
        path_parameters={"customer_id": customer_id},
    )
    assert status == 200 and len(invoices) == 1
    assert (invoices[0]["total"], invoices[0]["status"]) == ("15.00", "draft")
    status, invoice = api.call(
        "get_invoice",
        "GET",
        f"/v1/invoices/{invoices[0]['id']}",
        "/v1/invoices/{invoice_id}",
        path_parameters={"invoice_id": invoices[0]["id"]},
    )
    assert status == 200 and invoice == invoices[0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "2025-13"}, "period"),
        ({}, "period"),
        ({"period": "2025-09", "unit_price": "-1"}, "unit_price"),
        ({"period": "2025-09", "unit_price": "abc"}, "unit_price"),
    ],
)
def test_bad_billing_runs_are_400s_naming_the_parameter(api, query, field):
    status, body = api.call("run_invoices", "POST", "/v1/invoices/run", "/v1/invoices/run", query=query)
    assert status == 400
    assert field in [f["field"] for f in body["error"]["fields"]]


def test_health_is_ok(api):
    assert api.call("health", "GET", "/v1/health", "/v1/health") == (200, {"status": "ok"})
