"""Request and response bodies of the API-key routes and /v1/whoami. No response but the creation's
carries a secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from billing.domain.time import iso_utc
from billing.http.authorizer import Principal
from billing.http.schemas.base import PageOut, RequestModel, ResponseModel
from billing.http.schemas.fields import ResourceId, Text

if TYPE_CHECKING:
    from billing.domain.api_keys import ApiKey
    from billing.services.api_keys import NewApiKey


class CreateApiKeyRequest(RequestModel):
    customer_id: ResourceId | None = None  # without it: an admin key
    name: Text | None = None


class ApiKeyOut(ResponseModel):
    id: str
    prefix: str
    role: str
    customer_id: str | None
    name: str | None
    created_at: str
    revoked_at: str | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.id,
            prefix=key.prefix,
            role="admin" if key.is_admin else "customer",
            customer_id=key.customer_id,
            name=key.name,
            created_at=iso_utc(key.created_at),
            revoked_at=None if key.revoked_at is None else iso_utc(key.revoked_at),
        )


class CreatedApiKeyOut(ApiKeyOut):
    key: str  # the secret: shown in this reply only

    @classmethod
    def of_new(cls, new: NewApiKey) -> CreatedApiKeyOut:
        return cls(**ApiKeyOut.of(new.key).model_dump(), key=new.secret)


class ApiKeyPageOut(PageOut):
    data: list[ApiKeyOut]
    item_out: ClassVar[Callable[[ApiKey], ApiKeyOut]] = ApiKeyOut.of


class PrincipalOut(ResponseModel):
    key_id: str
    role: str
    customer_id: str | None

    @classmethod
    def of(cls, principal: Principal) -> PrincipalOut:
        return cls(key_id=principal.key_id, role=principal.role, customer_id=principal.customer_id)
