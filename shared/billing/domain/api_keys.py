"""API keys: who may call the API. A key is scoped to one customer, or is an admin key (no customer).

Only a SHA-256 digest of the secret is stored; the secret itself is shown once, when the key is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
