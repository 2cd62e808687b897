"""Bodies of the customer routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import Field

from billing.domain.time import iso_utc
from billing.http.schemas.base import PageOut, RequestModel, ResponseModel
from billing.http.schemas.fields import Email, ExternalId, ResourceId, Text

if TYPE_CHECKING:
    from billing.domain.customers import Customer


class CreateCustomerRequest(RequestModel):
    name: Text
    email: Email
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    plan_id: ResourceId | None = None
    external_id: ExternalId | None = None


class AssignPlanRequest(RequestModel):
    plan_id: ResourceId


class CustomerOut(ResponseModel):
    id: str
    name: str
    email: str
    timezone: str
    currency: str
    plan_id: str | None
    external_id: str | None = None
    created_at: str

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(
            id=customer.id,
            name=customer.name,
            email=customer.email,
            timezone=customer.timezone,
            currency=customer.currency,
            plan_id=customer.plan_id,
            external_id=customer.external_id,
            created_at=iso_utc(customer.created_at),
        )


class CustomerPageOut(PageOut):
    data: list[CustomerOut]
    item_out: ClassVar[Callable[[Customer], CustomerOut]] = CustomerOut.of
