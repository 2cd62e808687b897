"""The authorizer's logic: `Authorization: Bearer <key>` → the principal → the context handlers receive.

Two kinds of key reach the authorizer. The deployment's admin key (BILLING_ADMIN_API_KEY) is compared by
SHA-256 digest with hmac.compare_digest; the plain key is never kept beyond start-up. Stored keys
(`POST /v1/api-keys`, billing.domain.api_keys) are found by their secret's hash; revoked keys are denied.

The authorizer hands the principal to the handlers as its context (requestContext.authorizer.lambda):
{"key_id", "role": "admin" | "customer", "customer_id"} — customer_id is "" for admin keys (API Gateway
context values are strings, numbers or booleans; no null).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from billing.domain.api_keys import SECRET_PREFIX, ApiKey, hash_secret

BEARER = "bearer "
ADMIN_KEY_ID = "admin"  # the deployment's admin key (not stored)

Role = Literal["admin", "customer"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: an admin (every customer) or one customer's key."""

    key_id: str
    role: Role
    customer_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_act_for(self, customer_id: str | None) -> bool:
        return self.is_admin or (customer_id is not None and customer_id == self.customer_id)

    @classmethod
    def of_key(cls, key: ApiKey) -> Principal:
        if key.customer_id is None:
            return cls(key_id=key.id, role="admin")
        return cls(key_id=key.id, role="customer", customer_id=key.customer_id)

    def as_context(self) -> dict[str, str]:
        """What the authorizer hands to handlers (requestContext.authorizer.lambda)."""
        return {"key_id": self.key_id, "role": self.role, "customer_id": self.customer_id or ""}

    @classmethod
    def from_context(cls, context: Mapping[str, Any] | None) -> Principal | None:
        """The principal the authorizer put in the request, or None when there is none (or it is malformed)."""
        if not context:
            return None
        key_id, role, customer_id = context.get("key_id"), context.get("role"), context.get("customer_id") or None
        if not isinstance(key_id, str) or not key_id:
            return None
        if role == "admin":
            return _principal(key_id, "admin", None)
        if role == "customer" and isinstance(customer_id, str):
            return _principal(key_id, "customer", customer_id)
        return None


@lru_cache(maxsize=1024)
def _principal(key_id: str, role: Role, customer_id: str | None) -> Principal:
    """Principals are immutable and few (one per key): a request reuses its key's instead of building one."""
    return Principal(key_id=key_id, role=role, customer_id=customer_id)


ADMIN = Principal(key_id=ADMIN_KEY_ID, role="admin")


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


KeyLookup = Callable[[str], ApiKey | None]  # secret hash -> the stored key, or None


class ApiKeyVerifier:
    def __init__(self, admin_key_digest: bytes | None, lookup: KeyLookup | None = None) -> None:
        self._admin_digest = admin_key_digest
        self._lookup = lookup

    @classmethod
    def from_admin_key(cls, admin_key: str | None, lookup: KeyLookup | None = None) -> ApiKeyVerifier:
        return cls(digest(admin_key) if admin_key else None, lookup)

    def verify(self, authorization_header: str | None) -> Principal | None:
        """The principal behind `Authorization: Bearer <key>`, or None (deny): revoked keys are denied."""
        key = bearer_token(authorization_header)
        if key is None:
            return None
        if self._admin_digest is not None and hmac.compare_digest(digest(key), self._admin_digest):
            return ADMIN
        if self._lookup is None or not key.startswith(SECRET_PREFIX):
            return None
        stored = self._lookup(hash_secret(key))
        if stored is None or not stored.is_active:
            return None
        return Principal.of_key(stored)


def bearer_token(header: str | None) -> str | None:
    if not header or header[: len(BEARER)].lower() != BEARER:
        return None
    token = header[len(BEARER) :].strip()
    return token or None
