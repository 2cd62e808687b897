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
    def of_invoice(
        cls, kind: CreditKind, customer_id: str, invoice_id: str, amount: Decimal, currency: str, *, now: datetime
    ) -> CreditEntry:
        """The entry an invoice's finalization or voiding writes: `amount` (positive) signed as its kind moves
        the balance, with an id only that invoice and kind can have."""
        prefix, sign, description = _INVOICE_ENTRIES[kind]
        return cls(
            id=f"{prefix}{invoice_id}",
            customer_id=customer_id,
            kind=kind,
            amount=sign * amount,
            currency=currency,
            created_at=now,
            description=description.format(invoice_id=invoice_id),
            invoice_id=invoice_id,
        )


# kind → (id prefix, sign, description) of the entries invoices write
_INVOICE_ENTRIES = {
    CreditKind.CONSUMPTION: ("crd_use_", -1, "applied to invoice {invoice_id}"),
    CreditKind.RESTORATION: ("crd_restore_", 1, "invoice {invoice_id} voided"),
    CreditKind.CARRYOVER: ("crd_carry_", 1, "invoice {invoice_id} came to less than zero: carried over"),
    CreditKind.CARRYOVER_REVERSAL: ("crd_uncarry_", -1, "invoice {invoice_id} voided: its carry-over taken back"),
}
