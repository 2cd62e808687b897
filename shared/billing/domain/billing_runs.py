"""A billing run as a resource: which customers it queued, billed and could not bill (and why).

A run is planned by paging through customers; each customer is billed on its own (a queue message in
AWS, a loop in-process) and its outcome recorded once per customer, so redelivered messages and
retries never count twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from billing.domain.customers import Customer
from billing.domain.errors import InvalidInput

# Outcomes recorded in one storage write (DynamoDB: one transaction of the outcomes plus the run's counters).
MAX_OUTCOMES_PER_WRITE = 50

# A run's starter records its progress (heartbeat) after every page of customers it queues. No function lives
# longer than Lambda's 15-minute ceiling, so a run without progress for longer than that has no live starter:
# a sweep may take it over. Misjudging a slow starter as dead costs work, never money: queuing a page twice bills
# its customers twice, which changes nothing (one invoice per customer and period, one outcome per run and
# customer), and the progress write is conditional on the position read, so a page is counted once.
STALE_AFTER = timedelta(minutes=15)
# Takeovers before a sweep gives up on a run and fails it with the reason (a run that kills every resumer).
MAX_RESUMPTIONS = 3

RunStatus = Literal["running", "done", "failed"]


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
    # Features of its draft billed without a price: no plan prices them and the draft has no unit price (0.00).
    unpriced_features: tuple[str, ...] = ()


@dataclass(frozen=True)
class BillingRunRecord:
    id: str
    period: str
    created_at: datetime
    unit_price: Decimal | None = None
    customers_queued: int = 0
    customers_billed: int = 0
    customers_failed: int = 0
    customers_with_unpriced_usage: int = 0  # billed customers whose outcome names unpriced features
    planned: bool = False  # every customer has been queued
    # Where queuing resumes: the customer listing's cursor after the last page queued (None: the first page).
    position: str | None = None
    heartbeat_at: datetime | None = None  # the starter's last progress (None: created_at)
    resumptions: int = 0  # times a sweep took the run over from a starter that stopped
    failure: str | None = None  # why the run was given up before every customer was queued

    @property
    def is_done(self) -> bool:
        return self.planned and self.customers_billed + self.customers_failed >= self.customers_queued

    @property
    def is_failed(self) -> bool:
        return self.failure is not None

    @property
    def is_unfinished(self) -> bool:
        """Still queuing its customers: its starter is at work, or died (a sweep's business)."""
        return not self.planned and not self.is_failed

    @property
    def status(self) -> RunStatus:
        return "failed" if self.is_failed else "done" if self.is_done else "running"

    @property
    def last_progress(self) -> datetime:
        return self.heartbeat_at or self.created_at


@dataclass(frozen=True)
class BillingShard:
    """A slice of a run's customers, billed together: one queue message (SQS body:
    {"run_id", "period", "unit_price", "customer_ids"})."""

    run_id: str
    period: str
    unit_price: Decimal | None
    customer_ids: tuple[str, ...]
    # The customers themselves when the shard is billed in the process that read them (never sent on a queue):
    # billing them does not read each one again.
    customers: tuple[Customer, ...] = field(default=(), compare=False, repr=False)


def shards_of(run: BillingRunRecord, customers: Sequence[Customer | str], *, size: int) -> list[BillingShard]:
    """The run's customers (or their ids) in shards of at most `size`, in the order given."""
    shards = []
    for start in range(0, len(customers), size):
        chunk = customers[start : start + size]
        ids = tuple(c if isinstance(c, str) else c.id for c in chunk)
        known = tuple(c for c in chunk if not isinstance(c, str))
        shards.append(BillingShard(run.id, run.period, run.unit_price, ids, known if len(known) == len(ids) else ()))
    return shards


def shard_message(shard: BillingShard) -> str:
    """A shard as a queue message body (JSON; the unit price as a decimal string)."""
    unit_price = None if shard.unit_price is None else str(shard.unit_price)
    body = {
        "run_id": shard.run_id,
        "period": shard.period,
        "unit_price": unit_price,
        "customer_ids": shard.customer_ids,
    }
    return json.dumps(body, separators=(",", ":"))


def parse_shard(body: str) -> BillingShard:
    """A message body back into a shard; InvalidInput when it is not one `shard_message` wrote."""
    try:
        data = json.loads(body)
        ids, unit_price = data["customer_ids"], data["unit_price"]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise TypeError("customer_ids must be a list of strings")
        price = None if unit_price is None else Decimal(str(unit_price))
        return BillingShard(str(data["run_id"]), str(data["period"]), price, tuple(ids))
    except (ValueError, KeyError, TypeError, ArithmeticError) as error:
        raise InvalidInput(f"not a billing shard message: {error!r}") from None
