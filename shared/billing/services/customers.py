"""Customers: the people and companies we bill."""

from __future__ import annotations

import uuid

from billing.domain.errors import CustomerNotFound
from billing.domain.models import Customer
from billing.domain.time import timezone
from billing.ports import Storage
from billing.services.clock import Clock, system_clock

MAX_PAGE = 500


class CustomerService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._clock = clock

    def create(self, *, name: str, email: str, timezone_name: str = "UTC") -> Customer:
        """A new customer. The timezone is fixed at creation: periods and rollups are cut in it."""
        timezone(timezone_name)  # raises InvalidInput naming "timezone"
        customer = Customer(
            id=f"cus_{uuid.uuid4().hex}",
            name=name,
            email=email,
            timezone=timezone_name,
            created_at=self._clock(),
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
