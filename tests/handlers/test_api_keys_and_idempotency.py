"""The API-key routes, whoami, access refusals and the Idempotency-Key header, through the handlers."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from billing import bootstrap
from billing.bootstrap import build_services
from billing.http.authorizer import Principal

from tests.handlers.conftest import Api, Reply
from tests.integration.dynamo import REGION, create_table, create_table_arguments, moto_dynamodb

REPO_ROOT = Path(__file__).parents[2]


@pytest.fixture
def admin(api) -> Api:
    return api


@pytest.fixture(scope="module")
def dynamodb_client() -> Any:
    with moto_dynamodb() as client:
        yield client


@pytest.fixture(params=["sqlite", "dynamodb"])
def backend(request, services, clock) -> Any:
    """The idempotency tests run on each backend: its services, and its idempotency store."""
    if request.param == "sqlite":
        chosen = services
    else:
        from billing.adapters.dynamodb import DynamoStorage

        client = request.getfixturevalue("dynamodb_client")
        chosen = build_services(DynamoStorage(create_table(client, create_table_arguments()), region=REGION), clock)
    bootstrap.use(chosen)
    yield chosen
    bootstrap.use(None)


@pytest.fixture
def writer(backend, lambda_context) -> Api:
    return Api(backend, lambda_context)


def as_customer(caller: Api, customer_id: str, key_id: str = "key_c") -> Api:
    return caller.as_key(Principal(key_id=key_id, role="customer", customer_id=customer_id))


def idempotency_key(key: str | None) -> dict[str, str] | None:
    return {"idempotency-key": key} if key is not None else None


def new_customer(admin: Api, email: str = "ops@acme.example", key: str | None = None) -> Reply:
    body = {"name": "Acme", "email": email}
    return admin("create_customer", "POST /v1/customers", "/v1/customers", body, headers=idempotency_key(key))


def test_creating_a_key_returns_its_secret_once_and_stores_only_its_hash(admin, injected_services):
    customer = new_customer(admin).body
    reply = admin(
        "create_api_key", "POST /v1/api-keys", "/v1/api-keys", {"customer_id": customer["id"], "name": "prod"}
    )
    status, created = reply.status, reply.body
    assert status == 201
    assert created["key"].startswith("sk_") and len(created["key"]) == 3 + 43
    assert (created["role"], created["customer_id"], created["name"]) == ("customer", customer["id"], "prod")
    stored = injected_services.storage.api_keys.get(created["id"])
    assert stored.secret_hash != created["key"] and created["key"] not in repr(stored)
    reply = admin("list_api_keys", "GET /v1/api-keys", "/v1/api-keys")
    status, page = reply.status, reply.body
    assert status == 200 and [key["id"] for key in page["data"]] == [created["id"]]
    assert "key" not in page["data"][0] and page["next_cursor"] is None


def test_a_key_without_customer_is_an_admin_key_and_an_unknown_customer_is_a_400(admin):
    assert admin("create_api_key", "POST /v1/api-keys", "/v1/api-keys", {}).body["role"] == "admin"
    reply = admin("create_api_key", "POST /v1/api-keys", "/v1/api-keys", {"customer_id": "cus_nope"})
    status, error = reply.status, reply.body
    assert status == 400 and error["error"]["fields"][0]["field"] == "customer_id"


def test_revoking_is_repeatable_and_an_unknown_key_is_a_404(admin):
    created = admin("create_api_key", "POST /v1/api-keys", "/v1/api-keys", {}).body
    route = "DELETE /v1/api-keys/{key_id}"
    first = admin("revoke_api_key", route, f"/v1/api-keys/{created['id']}")
    again = admin("revoke_api_key", route, f"/v1/api-keys/{created['id']}")
    assert first.status == again.status == 200 and first.body["revoked_at"] == again.body["revoked_at"] is not None
    assert admin("revoke_api_key", route, "/v1/api-keys/key_nope").status == 404


def test_whoami_returns_the_principal(admin):
    reply = admin("whoami", "GET /v1/whoami", "/v1/whoami")
    assert (reply.status, reply.body) == (200, {"key_id": "admin", "role": "admin", "customer_id": None})
    customer = as_customer(admin, "cus_1")
    assert customer("whoami", "GET /v1/whoami", "/v1/whoami").body["customer_id"] == "cus_1"


def test_a_request_without_principal_is_refused_on_every_keyed_route(admin):
    anonymous = admin.as_key(None)
    assert anonymous("whoami", "GET /v1/whoami", "/v1/whoami").status == 403
    assert anonymous("list_customers", "GET /v1/customers", "/v1/customers").status == 403
    assert anonymous("health", "GET /v1/health", "/v1/health").status == 200


def test_a_customer_key_gets_its_own_customer_and_a_403_for_another(admin):
    mine, theirs = new_customer(admin).body, new_customer(admin, "b@acme.example").body
    me = as_customer(admin, mine["id"])
    route = "GET /v1/customers/{customer_id}"
    reply = me("get_customer", route, f"/v1/customers/{mine['id']}")
    assert (reply.status, reply.body) == (200, mine)
    reply = me("get_customer", route, f"/v1/customers/{theirs['id']}")
    status, error = reply.status, reply.body
    assert status == 403 and error["error"]["code"] == "forbidden" and theirs["email"] not in json.dumps(error)
    assert me("create_api_key", "POST /v1/api-keys", "/v1/api-keys", {"customer_id": mine["id"]}).status == 403


# ---------------------------------------------------------------- Idempotency-Key


def test_a_retry_with_the_same_key_returns_the_first_reply_and_creates_nothing(writer, backend):
    first = new_customer(writer, key="create-acme-1")
    again = new_customer(writer, key="create-acme-1")
    assert first.status == again.status == 201 and first.body == again.body
    assert again.headers.get("idempotent-replayed") == "true" and "idempotent-replayed" not in first.headers
    assert len(backend.customers.list(limit=10).items) == 1


def test_the_same_key_with_another_body_is_a_422_naming_the_header(writer, backend):
    new_customer(writer, key="k")
    reply = new_customer(writer, email="other@acme.example", key="k")
    status, error = reply.status, reply.body
    assert status == 422 and error["error"]["code"] == "idempotency_key_reused"
    assert error["error"]["fields"][0]["field"] == "Idempotency-Key"
    assert len(backend.customers.list(limit=10).items) == 1


def test_keys_are_scoped_by_principal(writer, backend):
    other_admin = writer.as_key(Principal(key_id="key_second_admin", role="admin"))
    assert new_customer(writer, key="same").status == 201
    # Another key's same Idempotency-Key is another request: it runs (and meets the duplicate email).
    assert new_customer(other_admin, key="same").status == 409


def test_a_failed_request_is_not_recorded_so_its_retry_runs_again(writer):
    assert new_customer(writer, key="dup").status == 201
    assert new_customer(writer, email="ops@acme.example", key="dup-2").status == 409
    assert new_customer(writer, email="ops@acme.example", key="dup-2").status == 409  # ran again, not replayed


@pytest.mark.parametrize("bad", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_a_400_naming_the_header(writer, bad):
    reply = new_customer(writer, key=bad)
    status, error = reply.status, reply.body
    assert status == 400 and error["error"]["fields"][0]["field"] == "Idempotency-Key"


def test_every_create_route_honours_the_key(writer, backend):
    customer = new_customer(writer).body
    plan_body = {"name": "P", "prices": [{"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}]}
    calls = [
        ("create_plan", "POST /v1/plans", "/v1/plans", {"body": plan_body}),
        ("grant_credits", "POST /v1/customers/{customer_id}/credits", f"/v1/customers/{customer['id']}/credits",
         {"body": {"amount": "5.00"}}),
        ("run_invoices", "POST /v1/invoices/run", "/v1/invoices/run", {"query": {"period": "2025-09"}}),
    ]  # fmt: skip
    for function, route, path, request in calls:
        first = writer(function, route, path, headers=idempotency_key(f"{function}-1"), **request)
        again = writer(function, route, path, headers=idempotency_key(f"{function}-1"), **request)
        assert (first.status, first.body) == (again.status, again.body) and first.status < 300, (function, first)
        assert again.headers.get("idempotent-replayed") == "true", function
    assert len(backend.plans.list().items) == 1
    assert backend.credits.ledger(customer["id"]).balance == 5


def test_a_retried_key_creation_is_a_409_naming_the_key_and_never_shows_its_secret_again(writer, backend):
    customer = new_customer(writer).body
    call = ("create_api_key", "POST /v1/api-keys", "/v1/api-keys", {"customer_id": customer["id"]})
    first = writer(*call, headers=idempotency_key("key-1"))
    again = writer(*call, headers=idempotency_key("key-1"))
    assert first.status == 201 and first.body["key"].startswith("sk_")
    assert again.status == 409 and again.body["error"]["code"] == "api_key_already_created"
    assert first.body["id"] in again.body["error"]["message"] and "create a new key" in again.body["error"]["message"]
    assert first.body["key"] not in again.text and again.headers.get("idempotent-replayed") == "true"
    assert [key.id for key in backend.api_keys.list().items] == [first.body["id"]]


def test_the_key_middleware_runs_on_exactly_the_routes_marked_idempotent():
    import importlib

    from billing.http.idempotency import honour_idempotency_key, is_idempotent

    from local_gateway.template import load_template
    from tools.events import function_folder

    marked = set()
    for route in load_template(REPO_ROOT / "template.yaml").routes:
        module = importlib.import_module(f"functions.{function_folder(route.code_dir, route.handler)}.app")
        resolver = getattr(module, "app", None)  # the docs and openapi functions serve files, with no resolver
        for served in [*resolver._static_routes, *resolver._dynamic_routes] if resolver is not None else []:
            runs_it = honour_idempotency_key in served.middlewares
            assert runs_it == is_idempotent(served.func), served.func.__name__
            if runs_it:
                marked.add(served.func.__name__)
    assert marked == {
        "create_api_key",
        "create_customer",
        "create_meter",
        "create_plan",
        "grant_credits",
        "run_invoices",
    }


def test_a_create_run_again_with_its_request_key_finds_what_it_made_and_refuses_another_request(backend):
    """What the Idempotency-Key middleware relies on when a success record was lost (the record's payload
    check is gone with it): the services compare the stored object with the request."""
    from billing.domain.errors import RequestKeyReused
    from billing.domain.request_keys import RequestKey

    customer = backend.customers.create(name="Acme", email="ops@acme.example")
    made = backend.credits.grant(customer.id, Decimal("10.00"), request_key=RequestKey("a" * 64))
    again_key = RequestKey("a" * 64)
    again = backend.credits.grant(customer.id, Decimal("10.00"), request_key=again_key)
    assert again.entry == made.entry and again_key.replayed and backend.credits.ledger(customer.id).balance == 10
    with pytest.raises(RequestKeyReused):
        backend.credits.grant(customer.id, Decimal("20.00"), request_key=RequestKey("a" * 64))
    plan = backend.plans.create(name="P", currency="USD", prices=[], request_key=RequestKey("b" * 64))
    assert backend.plans.create(name="P", currency="USD", prices=[], request_key=RequestKey("b" * 64)) == plan
    with pytest.raises(RequestKeyReused):
        backend.plans.create(name="Q", currency="USD", prices=[], request_key=RequestKey("b" * 64))
    twin = backend.customers.create(name="Twin", email="twin@acme.example", request_key=RequestKey("c" * 64))
    assert backend.customers.create(name="Twin", email="twin@acme.example", request_key=RequestKey("c" * 64)) == twin
    with pytest.raises(RequestKeyReused):
        backend.customers.create(name="Other", email="other@acme.example", request_key=RequestKey("c" * 64))
    assert len(backend.plans.list().items) == 1 and len(backend.customers.list().items) == 2
