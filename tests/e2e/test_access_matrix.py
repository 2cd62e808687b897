"""Who may call what, over real HTTP through the local gateway: every route of template.yaml × every kind of
caller, generated from the template, so a new route is in the matrix the moment it is added.

Callers: the admin key, the key of customer A ("own": every request names A's data), the key of customer B
("other": the same request, A's data, B's key), a revoked key, no key. What each route must answer follows
from the access policy its handler declares (billing.http.access): a route that declares none fails here.
The requests are the routes' sample requests (tools/events.py SAMPLES) with A's ids put in: its id, and
its external id wherever a sample names a customer by external id (POST /v1/events and the drop-in routes,
whose raw bodies included).
"""

from __future__ import annotations

import importlib
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

import pytest
from billing.http.access import ADMIN, ANY_KEY, PUBLIC, OwnCustomer, Owned, OwnEvents, Policy, policy_of
from billing.http.routes import OUR_REFUSALS

from local_gateway.template import Route, load_template
from tests.e2e.conftest import ROOT, HttpClient
from tools.events import CUSTOMER, EXTERNAL_IDS, SAMPLES, function_folder

pytestmark = pytest.mark.e2e

TEMPLATE = load_template(ROOT / "template.yaml")
ROUTES = TEMPLATE.routes
CALLERS = ["admin", "own", "other", "revoked", "none"]


def folder(route: Route) -> str:
    return function_folder(route.code_dir, route.handler)


def declared_policy(route: Route) -> Policy | None:
    """The policy the route's handler declares: the one function in its module that carries one."""
    module = importlib.import_module(f"functions.{folder(route)}.app")
    declared = {policy_of(value) for value in vars(module).values() if callable(value) and policy_of(value)}
    assert len(declared) <= 1, f"{folder(route)} declares several policies: {declared}"
    return declared.pop() if declared else None


@dataclass
class World:
    """Two customers with data, their keys, a revoked key and a spare key for the DELETE route."""

    own: dict[str, Any]
    other: dict[str, Any]
    plan_id: str
    invoice_id: str
    keys: dict[str, str | None]
    spare_key_id: str
    run_id: str


@pytest.fixture(scope="module")
def world(gateway: HttpClient) -> World:
    price = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}
    status, plan = gateway.request("POST", "/v1/plans", {"name": "Matrix", "prices": [price]})
    assert status == 201, plan
    own = _customer(gateway, "own", plan["id"])
    other = _customer(gateway, "other", None)  # not on A's plan: that plan is none of its business
    # The meters the samples' typed events need (the first is POST /v1/meters' own sample: a second is a 409).
    meters = [
        SAMPLES["create_meter"]["body"],
        {"feature": "tokens", "event_type": "prompt", "value_property": "tokens"},
    ]
    for meter in meters:
        assert gateway.request("POST", "/v1/meters", meter)[0] == 201
    events = [{"id": "m-1", "feature": "api_calls", "quantity": 7, "ts": "2025-09-05T12:00:00Z"}]
    assert gateway.request("POST", "/v1/events/batch", {"customer_id": own["id"], "events": events})[0] == 200
    run = gateway.run_billing("period=2025-09")
    status, invoices = gateway.request("GET", f"/v1/customers/{own['id']}/invoices")
    assert status == 200 and len(invoices) == 1
    keys: dict[str, str | None] = {"admin": gateway.key, "none": None}
    for caller, customer in (("own", own), ("other", other), ("revoked", own)):
        status, created = gateway.request("POST", "/v1/api-keys", {"customer_id": customer["id"], "name": caller})
        assert status == 201, created
        keys[caller] = created["key"]
        if caller == "revoked":
            assert gateway.request("DELETE", f"/v1/api-keys/{created['id']}")[0] == 200
    status, spare = gateway.request("POST", "/v1/api-keys", {"name": "spare admin key"})
    assert status == 201 and spare["role"] == "admin"
    return World(own, other, plan["id"], invoices[0]["id"], keys, spare["id"], run["billing_run_id"])


def _customer(gateway: HttpClient, name: str, plan_id: str | None) -> dict[str, Any]:
    status, customer = gateway.request(
        "POST",
        "/v1/customers",
        {"name": f"Matrix {name}", "email": f"{name}@matrix.example", "plan_id": plan_id, "external_id": f"m-{name}"},
    )
    assert status == 201, customer
    return customer


def request_for(route: Route, world: World) -> tuple[str, Any, dict[str, str]]:
    """The route's sample request, naming A's customer (id and external id), invoice and plan (and the spare
    key to revoke); a raw body (CloudEvents, a Stripe form) is sent as it is, with its content type."""
    sample = SAMPLES[folder(route)]
    ids = {"customer_id": world.own["id"], "invoice_id": world.invoice_id, "plan_id": world.plan_id}
    ids["key_id"] = world.spare_key_id
    ids["run_id"] = world.run_id
    path = route.path
    for name in sample.get("path", {}):
        path = path.replace("{" + name + "}", ids.get(name, sample["path"][name]))  # a meter's feature: as is
    assert "{" not in path, f"{folder(route)}'s sample misses a path parameter: {path}"
    query = {name: ids.get(name, value) for name, value in sample.get("query", {}).items()}
    if query:
        path += "?" + urllib.parse.urlencode(query)
    body = sample.get("body")
    if isinstance(body, dict):
        body = {name: ids.get(name, value) for name, value in body.items()}
    return path, _naming_own(body, world.own), sample.get("headers", {})


def _naming_own(value: Any, own: dict[str, Any]) -> Any:
    """The sample's customer references (our id, external ids), anywhere in the body, made A's."""
    if isinstance(value, dict):
        return {name: _naming_own(item, own) for name, item in value.items()}
    if isinstance(value, list):
        return [_naming_own(item, own) for item in value]
    if isinstance(value, str):
        for external_id in EXTERNAL_IDS:
            value = value.replace(external_id, own["external_id"])
        return value.replace(CUSTOMER, own["id"])
    return value


def is_allowed(status: int, body: Any) -> bool:
    """Served: a success, or a state conflict of the request itself (finalizing twice), never a refusal."""
    return status < 400 or (status == 409 and body["error"]["code"] == "conflict")


def assert_no_data_of(route: Route, customer: dict[str, Any], status: int, body: Any) -> None:
    assert isinstance(body, dict), body
    if refusals_of(route) is OUR_REFUSALS:  # the drop-in routes answer in their vendor's envelope
        assert set(body) <= {"error", "message"}, body
    text = json.dumps(body)
    assert customer["email"] not in text and customer["name"] not in text, body


def refusals_of(route: Route) -> Any:
    return importlib.import_module(f"functions.{folder(route)}.app").router.refusals


@pytest.mark.parametrize(
    ("route", "caller"),
    [(route, caller) for route in ROUTES for caller in CALLERS],
    ids=[f"{route.method} {route.path} as {caller}" for route in ROUTES for caller in CALLERS],
)
def test_every_route_answers_every_kind_of_caller_as_its_policy_says(route, caller, gateway, world):
    policy = declared_policy(route)
    assert policy is not None, f"{route.route_key} ({folder(route)}) declares no access policy: add @access(...)"
    assert (policy is PUBLIC) == (route.authorizer is None), f"{route.route_key}: policy {policy} vs template Auth"

    path, body, headers = request_for(route, world)
    raw = body.encode() if isinstance(body, str) else None
    status, reply = gateway.request(route.method, path, body, key=world.keys[caller] or "", raw=raw, headers=headers)

    if policy is PUBLIC:
        assert status == 200, reply
    elif caller == "none":
        assert (status, reply) == (401, {"message": "Unauthorized"})
    elif caller == "revoked":
        assert (status, reply) == (403, {"message": "Forbidden"})
    elif caller == "admin" or policy is ANY_KEY:
        assert is_allowed(status, reply), (status, reply)
    elif policy is ADMIN:
        assert status == 403 and reply["error"]["code"] == "forbidden", (status, reply)
        assert_no_data_of(route, world.own, status, reply)
    elif isinstance(policy, OwnCustomer | Owned | OwnEvents):
        if caller == "own":
            assert is_allowed(status, reply), (status, reply)
        else:
            assert status in (403, 404), (status, reply)
            assert_no_data_of(route, world.own, status, reply)
    else:
        pytest.fail(f"{route.route_key}: the matrix does not know policy {policy!r}")


def test_whoami_names_the_calling_key_and_its_customer(gateway, world):
    assert gateway.request("GET", "/v1/whoami")[1] == {"key_id": "admin", "role": "admin", "customer_id": None}
    status, me = gateway.request("GET", "/v1/whoami", key=world.keys["own"])
    assert status == 200 and (me["role"], me["customer_id"]) == ("customer", world.own["id"])


def test_a_customer_key_reads_its_own_data_and_lists_only_its_own_invoices(gateway, world):
    key = world.keys["own"]
    status, invoice = gateway.request("GET", f"/v1/invoices/{world.invoice_id}", key=key)
    assert status == 200 and invoice["customer_id"] == world.own["id"]
    status, page = gateway.request("GET", f"/v1/invoices?customer_id={world.own['id']}", key=key)
    assert status == 200 and {i["customer_id"] for i in page["data"]} == {world.own["id"]}
    assert gateway.request("GET", "/v1/invoices", key=key)[0] == 403  # all customers' invoices: admins only
    assert gateway.request("GET", f"/v1/plans/{world.plan_id}", key=key)[0] == 200  # the plan it is on
    event = {"feature": "x", "quantity": 1, "ts": "2025-09-01T00:00:00Z"}
    other_events = {"customer_id": world.other["id"], "events": [event]}
    assert gateway.request("POST", "/v1/events/batch", other_events, key=key)[0] == 403


def test_a_revoked_key_is_refused_from_the_next_request_and_its_listing_shows_no_secret(gateway, world):
    status, created = gateway.request("POST", "/v1/api-keys", {"customer_id": world.other["id"]})
    assert status == 201 and created["key"].startswith("sk_") and created["prefix"] == created["key"][:11]
    assert gateway.request("GET", "/v1/whoami", key=created["key"])[0] == 200
    status, revoked = gateway.request("DELETE", f"/v1/api-keys/{created['id']}")
    assert status == 200 and revoked["revoked_at"] is not None
    assert gateway.request("GET", "/v1/whoami", key=created["key"]) == (403, {"message": "Forbidden"})
    status, page = gateway.request("GET", "/v1/api-keys?limit=500")
    listed = {key["id"]: key for key in page["data"]}
    assert status == 200 and listed[created["id"]]["revoked_at"] == revoked["revoked_at"]
    assert created["key"] not in json.dumps(page) and all("key" not in key for key in page["data"])
