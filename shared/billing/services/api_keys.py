"""API keys: created by an admin for one customer (or as another admin key), listed, revoked.

The secret is generated here, returned once by `create`, and only its hash is stored (billing.domain.api_keys).
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.domain.api_keys import ApiKey, generate_secret, hash_secret, shown_prefix
from billing.domain.errors import Conflict, InvalidInput, NotFound
from billing.domain.paging import MAX_PAGE, Page
from billing.domain.request_keys import RequestKey, new_id
from billing.ports import Storage
from billing.services.clock import Clock, system_clock


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    secret: str  # shown once, never stored


class ApiKeyNotFound(NotFound):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"API key {key_id!r} does not exist")


class ApiKeyAlreadyCreated(Conflict):
    """A retry of a create that made a key: its secret was shown once and is stored nowhere."""

    code = "api_key_already_created"

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"this Idempotency-Key already created key {key_id}; its secret was shown once and is not stored: "
            "create a new key (with a new Idempotency-Key), and revoke this one if its secret was lost",
            field="Idempotency-Key",
        )
        self.key_id = key_id


class ApiKeyService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._clock = clock

    def create(
        self, *, customer_id: str | None = None, name: str | None = None, request_key: RequestKey | None = None
    ) -> NewApiKey:
        """A key scoped to `customer_id` (which must exist), or an admin key without one. With a request key
        that already made a key: ApiKeyAlreadyCreated (its secret cannot be shown again)."""
        if customer_id is not None and self._storage.customers.get(customer_id) is None:
            raise InvalidInput(f"customer {customer_id!r} does not exist", field="customer_id")
        key_id = new_id("key", request_key)
        if request_key is not None and self._storage.api_keys.get(key_id) is not None:
            raise ApiKeyAlreadyCreated(key_id)
        secret = generate_secret()
        key = ApiKey(
            id=key_id,
            secret_hash=hash_secret(secret),
            prefix=shown_prefix(secret),
            created_at=self._clock(),
            customer_id=customer_id,
            name=name,
        )
        self._storage.api_keys.add(key)
        return NewApiKey(key, secret)

    def list(self, *, limit: int = 100, cursor: str | None = None) -> Page[ApiKey]:
        return self._storage.api_keys.list(limit=min(limit, MAX_PAGE), cursor=cursor)

    def get(self, key_id: str) -> ApiKey:
        key = self._storage.api_keys.get(key_id)
        if key is None:
            raise ApiKeyNotFound(key_id)
        return key

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key (repeatable: a revoked key keeps its first revocation time)."""
        if self._storage.api_keys.get(key_id) is None:
            raise ApiKeyNotFound(key_id)
        return self._storage.api_keys.revoke(key_id, self._clock())

    def authenticate(self, secret_hash: str) -> ApiKey | None:
        """The active key with this secret hash; None for unknown or revoked keys."""
        key = self._storage.api_keys.get_by_secret_hash(secret_hash)
        return key if key is not None and key.is_active else None
