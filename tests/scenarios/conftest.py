"""Billing scenarios: a real SQLite file, a frozen clock, and a small vocabulary for Given/When/Then."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from billing.adapters.sqlite import SqliteStorage
from billing.bootstrap import Services, build_services
from billing.domain.customers import Customer
from billing.domain.invoices import Invoice, LineType, invoice_id_for
from billing.domain.time import BillingPeriod
from billing.pricing import Plan
from billing.services import NewEvent

from tests.integration.conftest import ADAPTERS, dynamo_storage, dynamodb_client, table_arguments

__all__ = ["dynamodb_client", "table_arguments"]  # fixtures this folder shares with the contract suite

D = Decimal


def at(text: str) -> datetime:
    """An instant from ISO 8601 text with a zone, e.g. at("2025-09-30T18:30:00Z")."""
    return datetime.fromisoformat(text)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Billing:
    """The platform as a scenario drives it. Every method is one step of a billing story."""

    def __init__(self, services: Services, clock: Clock) -> None:
        self.services = services
        self.clock = clock
        self._events = 0
        self._customers = 0

    # --- given ---
    def plan(
        self, *prices: dict[str, Any], currency: str = "USD", minimum: str = "0", grace: int = 0, fee: str = "0"
    ) -> Plan:
        return self.services.plans.create(
            name="Plan",
            currency=currency,
            minimum_amount=D(minimum),
            grace_period_days=grace,
            prices=list(prices),
            amount=D(fee),
        )

    def customer(self, plan: Plan | None = None, *, timezone: str = "UTC") -> Customer:
        self._customers += 1
        return self.services.customers.create(
            name=f"Customer {self._customers}",
            email=f"c{self._customers}@example.com",
            timezone_name=timezone,
            plan_id=None if plan is None else plan.id,
        )

    def usage(self, customer: Customer, feature: str, quantity: str | int, ts: str, **properties: str) -> None:
        self._events += 1
        event = NewEvent(feature, D(quantity), at(ts), f"evt_{self._events}", properties or None)
        self.services.ingest.ingest(customer.id, [event])

    def credit(self, customer: Customer, amount: str) -> None:
        self.services.credits.grant(customer.id, D(amount))

    # --- when ---
    def run(self, period: str, *, unit_price: str | None = None) -> tuple[str, ...]:
        price = None if unit_price is None else D(unit_price)
        return self.services.runs.start(BillingPeriod.parse(period), unit_price=price).invoice_ids

    def finalize(self, customer: Customer, period: str, issue: int = 0) -> Invoice:
        return self.services.invoices.finalize(invoice_id_for(customer.id, period, issue))

    def void(self, customer: Customer, period: str, issue: int = 0) -> Invoice:
        return self.services.invoices.void(invoice_id_for(customer.id, period, issue))

    def sweep(self, now: str) -> tuple[str, ...]:
        self.clock.now = at(now)
        return self.services.billing.finalize_due().invoice_ids

    # --- then ---
    def invoice(self, customer: Customer, period: str, issue: int = 0) -> Invoice:
        return self.services.invoices.get(invoice_id_for(customer.id, period, issue))

    def has_invoice(self, customer: Customer, period: str, issue: int = 0) -> bool:
        return self.services.storage.invoices.get(invoice_id_for(customer.id, period, issue)) is not None

    def balance(self, customer: Customer) -> Decimal:
        return self.services.credits.ledger(customer.id).balance

    @staticmethod
    def usage_amounts(invoice: Invoice) -> dict[str | None, Decimal]:
        """The usage lines' amounts by feature."""
        return {line.feature: line.amount for line in invoice.line_items if line.type == LineType.USAGE}

    @staticmethod
    def lines(invoice: Invoice) -> list[tuple[str, Decimal]]:
        """(type, amount) of every line, in invoice order."""
        return [(line.type.value, line.amount) for line in invoice.line_items]


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 10, 2, 9, 30, tzinfo=UTC))


@pytest.fixture(params=ADAPTERS)
def billing(request, tmp_path, clock) -> Iterator[Billing]:
    """Every scenario on every storage adapter: a SQLite file, and a DynamoDB table (moto) from template.yaml."""
    if request.param == "sqlite":
        storage = SqliteStorage(tmp_path / "billing.db")
        yield Billing(build_services(storage, clock=clock), clock)
        storage.close()
    else:
        client, arguments = request.getfixturevalue("dynamodb_client"), request.getfixturevalue("table_arguments")
        yield Billing(build_services(dynamo_storage(client, arguments), clock=clock), clock)
