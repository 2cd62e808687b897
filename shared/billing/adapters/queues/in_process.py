"""The billing queue without a queue: each shard is billed as it is sent, in this process (SQLite, `make run`
without an emulator, tests). A run then ends before its request does, as it always did."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from billing.domain.billing_runs import BillingShard, CustomerOutcome


class InProcessBillingQueue:
    def __init__(self, bill_shard: Callable[[BillingShard], list[CustomerOutcome]]) -> None:
        self._bill_shard = bill_shard

    def send(self, shards: Sequence[BillingShard]) -> list[CustomerOutcome]:
        return [outcome for shard in shards for outcome in self._bill_shard(shard)]
