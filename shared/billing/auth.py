"""API key verification for the HTTP API's Lambda authorizer.

Keys are compared by SHA-256 digest with hmac.compare_digest: constant time, and the plain key is
never kept beyond start-up. The admin key grants every scope; scoped keys come later and will carry
their scopes in the same Principal.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

BEARER = "bearer "


@dataclass(frozen=True)
class Principal:
    key_id: str
    scopes: str  # space-separated; "*" = everything

    def as_context(self) -> dict[str, str]:
        """What the authorizer hands to handlers (requestContext.authorizer.lambda)."""
        return {"key_id": self.key_id, "scopes": self.scopes}


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class ApiKeyVerifier:
    def __init__(self, admin_key_digest: bytes | None) -> None:
        self._admin_digest = admin_key_digest

    @classmethod
    def from_admin_key(cls, admin_key: str | None) -> ApiKeyVerifier:
        return cls(digest(admin_key) if admin_key else None)

    def verify(self, authorization_header: str | None) -> Principal | None:
        """The principal behind `Authorization: Bearer <key>`, or None (deny)."""
        key = bearer_token(authorization_header)
        if key is None or self._admin_digest is None:
            return None
        if hmac.compare_digest(digest(key), self._admin_digest):
            return Principal(key_id="admin", scopes="*")
        return None


def bearer_token(header: str | None) -> str | None:
    if not header or header[: len(BEARER)].lower() != BEARER:
        return None
    token = header[len(BEARER) :].strip()
    return token or None
