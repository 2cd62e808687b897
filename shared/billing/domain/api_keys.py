"""API keys: who may call the API. A key is scoped to one customer, or is an admin key (no customer).

A stored key's secret is `sk_` + 32 random bytes, url-safe; only its SHA-256 hex digest is stored, and the
authorizer finds a key by that digest (a lookup by hash reveals nothing about the secret). The secret itself
is shown once, when the key is created.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

SECRET_PREFIX = "sk_"
SECRET_BYTES = 32
SHOWN_PREFIX_LENGTH = len(SECRET_PREFIX) + 8  # what a listing shows to recognise a key: "sk_AbCdEfGh"


@dataclass(frozen=True)
class ApiKey:
    id: str
    secret_hash: str  # hex SHA-256 of the secret
    prefix: str  # the secret's first characters, to recognise a key in a list
    created_at: datetime
    customer_id: str | None = None  # None: an admin key
    name: str | None = None
    revoked_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.customer_id is None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    """The stored form of a secret: hex SHA-256 (the secret has 256 random bits: no salt or KDF needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def shown_prefix(secret: str) -> str:
    return secret[:SHOWN_PREFIX_LENGTH]
