"""The customers we bill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    email: str
    timezone: str
    created_at: datetime
    plan_id: str | None = None
    currency: str = "USD"  # the plan's currency once a plan is assigned
    external_id: str | None = None  # the client's own id for the customer (unique; set at creation)
    # Storage's optimistic-concurrency counter: it moves when the plan changes or an invoice of the
    # customer is finalized or voided, the facts a finalization depends on.
    version: int = 0
