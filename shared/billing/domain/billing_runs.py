"""A billing run as a resource: which customers it queued, billed and could not bill (and why).

A run is planned by paging through customers; each customer is billed on its own (a queue message in
AWS, a loop in-process) and its outcome recorded once per customer, so redelivered messages and
retries never count twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

# Outcomes recorded in one storage write (DynamoDB: one transaction of the outcomes plus the run's counters).
MAX_OUTCOMES_PER_WRITE = 50


class OutcomeStatus(StrEnum):
    BILLED = "billed"  # invoiced, or nothing to bill
    FAILED = "failed"


@dataclass(frozen=True)
class CustomerOutcome:
    customer_id: str
    status: OutcomeStatus
    at: datetime
    invoice_id: str | None = None  # None when there was nothing to bill, or it failed
    reason: str | None = None  # why it failed


@dataclass(frozen=True)
class BillingRunRecord:
    id: str
    period: str
    created_at: datetime
    unit_price: Decimal | None = None
    customers_queued: int = 0
    customers_billed: int = 0
    customers_failed: int = 0
    planned: bool = False  # every customer has been queued

    @property
    def is_done(self) -> bool:
        return self.planned and self.customers_billed + self.customers_failed >= self.customers_queued
