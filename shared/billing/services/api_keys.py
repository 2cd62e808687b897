"""API keys: created by an admin for one customer (or as another admin key), listed, revoked.

The secret is generated here, returned once by `create`, and only its hash is stored (billing.auth).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.auth import generate_secret, hash_secret, shown_prefix
from billing.domain.access import ApiKey
from billing.domain.errors import InvalidInput, NotFound
from billing.domain.paging import MAX_PAGE, Page
from billing.ports import Storage
from billing.services.clock import Clock, system_clock


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    secret: str  # shown once, never stored


class ApiKeyNotFound(NotFound):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"API key {key_id!r} does not exist")


class ApiKeyService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._clock = clock

    def create(self, *, customer_id: str | None = None, name: str | None = None) -> NewApiKey:
        """A key scoped to `customer_id` (which must exist), or an admin key without one."""
        if customer_id is not None and self._storage.customers.get(customer_id) is None:
            raise InvalidInput(f"customer {customer_id!r} does not exist", field="customer_id")
        secret = generate_secret()
        key = ApiKey(
            id=f"key_{uuid.uuid4().hex}",
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
