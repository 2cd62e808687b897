"""Customers: the people and companies we bill."""

from __future__ import annotations

import uuid

from billing.domain.errors import ConcurrentUpdate, Conflict, CustomerNotFound, InvalidInput
from billing.domain.invoices import InvoiceStatus
from billing.domain.models import Customer
from billing.domain.time import timezone
from billing.ports import Storage
from billing.pricing import Plan
from billing.services.clock import Clock, system_clock

MAX_PAGE = 500
DEFAULT_CURRENCY = "USD"
_ATTEMPTS = 3


class CustomerService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._clock = clock

    def create(self, *, name: str, email: str, timezone_name: str = "UTC", plan_id: str | None = None) -> Customer:
        """A new customer, optionally on a plan (whose currency becomes theirs; USD without one).
        The timezone is fixed at creation: periods and rollups are cut in it."""
        timezone(timezone_name)  # raises InvalidInput naming "timezone"
        plan = None if plan_id is None else self._plan(plan_id)
        customer = Customer(
            id=f"cus_{uuid.uuid4().hex}",
            name=name,
            email=email,
            timezone=timezone_name,
            created_at=self._clock(),
            plan_id=None if plan is None else plan.id,
            currency=DEFAULT_CURRENCY if plan is None else plan.currency,
        )
        self._storage.customers.add(customer)
        return customer

    def get(self, customer_id: str) -> Customer:
        customer = self._storage.customers.get(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        return customer

    def list(self, *, limit: int = 100, after: str | None = None) -> list[Customer]:
        return self._storage.customers.list(limit=min(limit, MAX_PAGE), after=after)

    def assign_plan(self, customer_id: str, plan_id: str) -> Customer:
        """Move the customer to a plan. Drafts are recomputed with it at the next run or finalization;
        finalized invoices keep the plan they were rated with.

        A plan in another currency is refused once the customer has a finalized or void invoice or any
        prepaid credit: their ledger and late-usage adjustments are in the old currency."""
        plan = self._plan(plan_id)
        for _ in range(_ATTEMPTS):
            customer = self.get(customer_id)
            if customer.plan_id == plan.id:
                return customer
            if plan.currency != customer.currency and self._has_money_history(customer):
                raise Conflict(
                    f"customer {customer.id} is billed in {customer.currency}; plan {plan.id} is in {plan.currency}",
                    field="plan_id",
                )
            try:
                return self._storage.customers.set_plan(
                    customer.id, plan.id, plan.currency, expected_version=customer.version
                )
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(f"customer {customer_id} kept changing; try again")

    def _plan(self, plan_id: str) -> Plan:
        plan = self._storage.plans.get(plan_id)
        if plan is None:
            raise InvalidInput(f"plan {plan_id!r} does not exist", field="plan_id")
        return plan

    def _has_money_history(self, customer: Customer) -> bool:
        invoices = self._storage.invoices.list_for_customer(customer.id)
        if any(invoice.status != InvoiceStatus.DRAFT for invoice in invoices):
            return True
        return bool(self._storage.credits.entries(customer.id))
