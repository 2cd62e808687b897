"""The billing queue port: where a billing run sends its customers, a shard at a time. Not storage (the
storage port is billing.ports, its adapters are billing.adapters): this port's two adapters sit beside it,
sqs.py and in_process.py, imported only by bootstrap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from billing.domain.billing_runs import BillingShard, CustomerOutcome


class BillingQueue(Protocol):
    """An SQS queue a worker function drains (sqs.py), or no queue at all, billing each shard in this
    process (in_process.py)."""

    def send(self, shards: Sequence[BillingShard]) -> list[CustomerOutcome]:
        """Hand the shards over for billing; return the outcomes of the customers already billed by the
        time it returns (every one for an in-process queue, none for a real queue). Raises QueueUnavailable
        when a shard could not be sent; shards sent before it stay sent (billing a shard twice is safe)."""
