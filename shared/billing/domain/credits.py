"""Prepaid credit: an append-only ledger per customer. The balance is the sum of the entries.

Grants add credit; a finalized invoice consumes what it applied; voiding that invoice restores it.
Consumption and restoration ids derive from the invoice id, so each happens at most once per invoice.
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


@dataclass(frozen=True)
class CreditEntry:
    id: str
    customer_id: str
    kind: CreditKind
    amount: Decimal  # signed: grants and restorations are positive, consumptions negative
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
