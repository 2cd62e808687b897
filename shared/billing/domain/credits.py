"""Prepaid credit: an append-only ledger per customer. The balance is the sum of the entries.

Grants add credit; a finalized invoice consumes what it applied; voiding that invoice restores it. A
finalized invoice whose lines sum below zero (a late-usage adjustment giving money back) carries the
difference over to the balance, and voiding it takes that back. Every entry of an invoice has an id derived
from the invoice id, so each happens at most once per invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class CreditKind(StrEnum):
    GRANT = "grant"
    CONSUMPTION = "consumption"
    RESTORATION = "restoration"
    CARRYOVER = "carryover"  # a finalized invoice's total below zero, owed back to the customer
    CARRYOVER_REVERSAL = "carryover_reversal"  # that invoice voided


@dataclass(frozen=True)
class CreditEntry:
    id: str
    customer_id: str
    kind: CreditKind
    amount: Decimal  # signed: grants, restorations and carry-overs are positive, the others negative
    currency: str
    created_at: datetime
    description: str | None = None
    invoice_id: str | None = None

    @classmethod
    def consumption(
        cls, customer_id: str, invoice_id: str, amount: Decimal, currency: str, now: datetime
    ) -> CreditEntry:
        return cls(
            id=f"crd_use_{invoice_id}",
            customer_id=customer_id,
            kind=CreditKind.CONSUMPTION,
            amount=-amount,
            currency=currency,
            created_at=now,
            description=f"applied to invoice {invoice_id}",
            invoice_id=invoice_id,
        )

    @classmethod
    def restoration(
        cls, customer_id: str, invoice_id: str, amount: Decimal, currency: str, now: datetime
    ) -> CreditEntry:
        return cls(
            id=f"crd_restore_{invoice_id}",
            customer_id=customer_id,
            kind=CreditKind.RESTORATION,
            amount=amount,
            currency=currency,
            created_at=now,
            description=f"invoice {invoice_id} voided",
            invoice_id=invoice_id,
        )

    @classmethod
    def carryover(cls, customer_id: str, invoice_id: str, amount: Decimal, currency: str, now: datetime) -> CreditEntry:
        return cls(
            id=f"crd_carry_{invoice_id}",
            customer_id=customer_id,
            kind=CreditKind.CARRYOVER,
            amount=amount,
            currency=currency,
            created_at=now,
            description=f"invoice {invoice_id} came to less than zero: carried over",
            invoice_id=invoice_id,
        )

    @classmethod
    def carryover_reversal(
        cls, customer_id: str, invoice_id: str, amount: Decimal, currency: str, now: datetime
    ) -> CreditEntry:
        return cls(
            id=f"crd_uncarry_{invoice_id}",
            customer_id=customer_id,
            kind=CreditKind.CARRYOVER_REVERSAL,
            amount=-amount,
            currency=currency,
            created_at=now,
            description=f"invoice {invoice_id} voided: its carry-over taken back",
            invoice_id=invoice_id,
        )
