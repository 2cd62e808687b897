"""Customers: the people and companies we bill."""

from __future__ import annotations

import builtins

from billing.domain.customers import Customer
from billing.domain.errors import Conflict, CustomerNotFound, InvalidInput, RequestKeyReused
from billing.domain.invoices import InvoiceStatus
from billing.domain.paging import MAX_PAGE, Page
from billing.domain.request_keys import RequestKey, new_id
from billing.domain.time import timezone
from billing.ports import Storage
from billing.pricing import Plan
from billing.services.clock import Clock, system_clock
from billing.services.listing import all_invoices
from billing.services.retry import retry_on_conflict

DEFAULT_CURRENCY = "USD"
_ATTEMPTS = 3


def get_customer(storage: Storage, customer_id: str) -> Customer:
    """The stored customer; CustomerNotFound when there is none."""
    customer = storage.customers.get(customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    return customer


class CustomerService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._clock = clock

    def create(
        self,
        *,
        name: str,
        email: str,
        timezone_name: str = "UTC",
        plan_id: str | None = None,
        external_id: str | None = None,
        request_key: RequestKey | None = None,
    ) -> Customer:
        """A new customer, optionally on a plan (whose currency becomes theirs; USD without one).
        The timezone is fixed at creation: periods and rollups are cut in it. With a request key, the
        customer this key already made is returned (as it is now), never made twice."""
        timezone(timezone_name)  # raises InvalidInput naming "timezone"
        customer_id = new_id("cus", request_key)
        if request_key is not None and (made := self._storage.customers.get(customer_id)) is not None:
            if (made.name, made.email, made.timezone, made.external_id) != (name, email, timezone_name, external_id):
                raise RequestKeyReused()
            request_key.replayed = True
            return made
        plan = None if plan_id is None else self._plan(plan_id)
        customer = Customer(
            id=customer_id,
            name=name,
            email=email,
            timezone=timezone_name,
            created_at=self._clock(),
            plan_id=None if plan is None else plan.id,
            currency=DEFAULT_CURRENCY if plan is None else plan.currency,
            external_id=external_id,
        )
        self._storage.customers.add(customer)
        return customer

    def get(self, customer_id: str) -> Customer:
        return get_customer(self._storage, customer_id)

    def list(self, *, limit: int = 100, cursor: str | None = None) -> Page[Customer]:
        return self._storage.customers.list(limit=min(limit, MAX_PAGE), cursor=cursor)

    def search(self, text: str, *, limit: int = 20) -> builtins.list[Customer]:
        """Customers whose name or email starts with `text`, ignoring case."""
        return self._storage.customers.search(text, limit=min(limit, MAX_PAGE))

    def assign_plan(self, customer_id: str, plan_id: str) -> Customer:
        """Move the customer to a plan. Drafts are recomputed with it at the next run or finalization;
        finalized invoices keep the plan they were rated with.

        A plan in another currency is refused once the customer has a finalized or void invoice or any
        prepaid credit: their ledger and late-usage adjustments are in the old currency."""
        plan = self._plan(plan_id)

        def attempt() -> Customer:
            customer = self.get(customer_id)
            if customer.plan_id == plan.id:
                return customer
            if plan.currency != customer.currency and self._has_money_history(customer):
                raise Conflict(
                    f"customer {customer.id} is billed in {customer.currency}; plan {plan.id} is in {plan.currency}",
                    field="plan_id",
                )
            return self._storage.customers.set_plan(
                customer.id, plan.id, plan.currency, expected_version=customer.version
            )

        return retry_on_conflict(attempt, attempts=_ATTEMPTS, what=f"customer {customer_id}")

    def _plan(self, plan_id: str) -> Plan:
        plan = self._storage.plans.get(plan_id)
        if plan is None:
            raise InvalidInput(f"plan {plan_id!r} does not exist", field="plan_id")
        return plan

    def _has_money_history(self, customer: Customer) -> bool:
        if any(invoice.status != InvoiceStatus.DRAFT for invoice in all_invoices(self._storage, customer.id)):
            return True
        return bool(self._storage.credits.entries(customer.id))
