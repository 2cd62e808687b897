"""Prepaid credit: grants in, consumption when an invoice is finalized (billing.services.lifecycle)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from billing.domain.credits import CreditEntry, CreditKind
from billing.domain.errors import InvalidInput, RequestKeyReused
from billing.domain.money import ZERO, check_minor_units
from billing.domain.request_keys import RequestKey, new_id
from billing.ports import Storage
from billing.services.clock import Clock, system_clock
from billing.services.customers import CustomerService


@dataclass(frozen=True)
class CreditGrant:
    entry: CreditEntry
    balance: Decimal  # after the grant


@dataclass(frozen=True)
class CreditLedger:
    customer_id: str
    currency: str
    balance: Decimal
    entries: tuple[CreditEntry, ...]


class CreditService:
    def __init__(self, storage: Storage, customers: CustomerService, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._customers = customers
        self._clock = clock

    def grant(
        self,
        customer_id: str,
        amount: Decimal,
        *,
        description: str | None = None,
        request_key: RequestKey | None = None,
    ) -> CreditGrant:
        """Add prepaid credit in the customer's currency (their plan's, else USD). With a request key, a
        grant this key already made is returned (its balance: the current one), never made twice."""
        customer = self._customers.get(customer_id)
        if not amount.is_finite() or amount <= ZERO:
            raise InvalidInput("amount must be greater than 0", field="amount")
        check_minor_units(amount, customer.currency, field="amount")
        entry = CreditEntry(
            id=new_id("crd", request_key),
            customer_id=customer.id,
            kind=CreditKind.GRANT,
            amount=amount,
            currency=customer.currency,
            created_at=self._clock(),
            description=description,
        )
        if request_key is not None and (made := self._storage.credits.entry(customer.id, entry.id)) is not None:
            if replace(made, created_at=entry.created_at) != entry:
                raise RequestKeyReused()
            request_key.replayed = True
            return CreditGrant(made, self._storage.credits.balance(customer.id, customer.currency))
        return CreditGrant(entry, self._storage.credits.add(entry))

    def ledger(self, customer_id: str) -> CreditLedger:
        """The balance in the customer's currency and every entry, oldest first."""
        customer = self._customers.get(customer_id)
        return CreditLedger(
            customer_id=customer.id,
            currency=customer.currency,
            balance=self._storage.credits.balance(customer.id, customer.currency),
            entries=tuple(self._storage.credits.entries(customer.id)),
        )
