"""Bodies of the credit routes: a grant, the ledger and its entries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from billing.domain.money import format_money
from billing.domain.time import iso_utc
from billing.http.schemas.base import RequestModel, ResponseModel
from billing.http.schemas.fields import Money, Text

if TYPE_CHECKING:
    from billing.domain.credits import CreditEntry
    from billing.services.credits import CreditGrant, CreditLedger


class GrantCreditRequest(RequestModel):
    amount: Annotated[Money, Field(gt=0)]
    description: Text | None = None


class CreditEntryOut(ResponseModel):
    id: str
    type: str
    amount: str
    currency: str
    description: str | None
    invoice_id: str | None
    created_at: str

    @classmethod
    def of(cls, entry: CreditEntry) -> CreditEntryOut:
        return cls(
            id=entry.id,
            type=entry.kind.value,
            amount=format_money(entry.amount, entry.currency),
            currency=entry.currency,
            description=entry.description,
            invoice_id=entry.invoice_id,
            created_at=iso_utc(entry.created_at),
        )


class CreditGrantOut(CreditEntryOut):
    balance: str  # the customer's balance after the grant

    @classmethod
    def of_grant(cls, grant: CreditGrant) -> CreditGrantOut:
        entry = CreditEntryOut.of(grant.entry)
        return cls(**entry.model_dump(), balance=format_money(grant.balance, grant.entry.currency))


class CreditsOut(ResponseModel):
    customer_id: str
    currency: str
    balance: str
    entries: list[CreditEntryOut]

    @classmethod
    def of(cls, ledger: CreditLedger) -> CreditsOut:
        return cls(
            customer_id=ledger.customer_id,
            currency=ledger.currency,
            balance=format_money(ledger.balance, ledger.currency),
            entries=[CreditEntryOut.of(entry) for entry in ledger.entries],
        )
