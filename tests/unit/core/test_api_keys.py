"""API keys in the core: secrets, hashes, the verifier the authorizer uses, the service and policies."""

from __future__ import annotations

import hashlib

import pytest
from billing.domain.api_keys import hash_secret
from billing.domain.errors import Forbidden, NotFound
from billing.http.authorizer import ADMIN, ApiKeyVerifier, Principal

ADMIN_KEY = "unit-admin-key-0123456789abcdefghijklmnop"


@pytest.fixture
def customer(services):
    return services.customers.create(name="Acme", email="ops@acme.example")


@pytest.fixture
def verifier(services) -> ApiKeyVerifier:
    return ApiKeyVerifier.from_admin_key(ADMIN_KEY, lookup=services.api_keys.authenticate)


def test_a_new_key_is_stored_as_the_sha256_of_its_secret_only(services, customer, storage):
    created = services.api_keys.create(customer_id=customer.id, name="prod")
    assert created.key.secret_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.key.prefix == created.secret[:11] and created.secret.startswith("sk_")
    row = storage.db.connection().execute("SELECT * FROM api_keys").fetchall()
    assert created.secret not in repr(row)


def test_the_verifier_knows_the_admin_key_and_stored_keys(services, customer, verifier):
    created = services.api_keys.create(customer_id=customer.id)
    admin_key = services.api_keys.create()
    assert verifier.verify(f"Bearer {ADMIN_KEY}") == ADMIN
    assert verifier.verify(f"bearer {created.secret}") == Principal(created.key.id, "customer", customer.id)
    assert verifier.verify(f"Bearer {admin_key.secret}") == Principal(admin_key.key.id, "admin")
    assert verifier.verify(f"Bearer {created.secret}x") is None
    assert verifier.verify("Bearer sk_unknown") is None
    assert verifier.verify(created.secret) is None  # no Bearer scheme
    assert verifier.verify(None) is None


def test_a_revoked_key_is_denied(services, customer, verifier):
    created = services.api_keys.create(customer_id=customer.id)
    services.api_keys.revoke(created.key.id)
    assert verifier.verify(f"Bearer {created.secret}") is None
    assert services.api_keys.authenticate(hash_secret(created.secret)) is None


def test_without_an_admin_key_only_stored_keys_pass(services):
    created = services.api_keys.create()
    verifier = ApiKeyVerifier.from_admin_key(None, lookup=services.api_keys.authenticate)
    assert verifier.verify(f"Bearer {created.secret}") is not None
    assert verifier.verify("Bearer ") is None


@pytest.mark.parametrize(
    "context",
    [None, {}, {"key_id": "k"}, {"key_id": "k", "role": "customer"}, {"key_id": "", "role": "admin"}, {"role": "x"}],
)
def test_a_missing_or_malformed_context_is_no_principal(context):
    assert Principal.from_context(context) is None


def test_the_principal_survives_the_authorizer_context():
    customer = Principal("key_1", "customer", "cus_1")
    assert Principal.from_context(customer.as_context()) == customer
    assert Principal.from_context(ADMIN.as_context()) == ADMIN
    assert all(isinstance(value, str) for value in customer.as_context().values())  # API Gateway's rule


def test_policies_refuse_other_customers_and_non_admins():
    from billing.http.access import ADMIN as ADMIN_ONLY
    from billing.http.access import OWN_CUSTOMER, RouteRequest, own_customer, owned

    mine = Principal("key_1", "customer", "cus_1")
    request = RouteRequest(path_parameters={"customer_id": "cus_2"}, query={"customer_id": "cus_1"}, event=None)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        OWN_CUSTOMER.check(mine, request)
    OWN_CUSTOMER.check(ADMIN, request)
    own_customer("query").check(mine, request)
    with pytest.raises(Forbidden):
        ADMIN_ONLY.check(mine, request)
    with pytest.raises(Forbidden):
        ADMIN_ONLY.check(None, request)
    hidden = owned("customer_id", "thing", lambda principal, thing_id: thing_id == "cus_1")
    with pytest.raises(NotFound):
        hidden.check(mine, request)
