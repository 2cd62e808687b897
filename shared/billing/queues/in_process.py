"""The billing queue without a queue: each shard is billed as it is sent, in this process (SQLite, `make run`
without an emulator, tests). A run then ends before its request does, as it always did.

The shards of one send (a page of a run's customers) are billed in one unit of work, so that SQLite commits
their writes once instead of once each (Storage.unit_of_work)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from billing.domain.billing_runs import BillingShard, CustomerOutcome
from billing.domain.errors import BillingRunNotFound
from billing.observability import logger


class InProcessBillingQueue:
    def __init__(
        self,
        bill_shard: Callable[[BillingShard], list[CustomerOutcome]],
        unit_of_work: Callable[[], AbstractContextManager[None]],
    ) -> None:
        self._bill_shard = bill_shard
        self._unit_of_work = unit_of_work

    def send(self, shards: Sequence[BillingShard]) -> list[CustomerOutcome]:
        with self._unit_of_work():
            return [outcome for shard in shards for outcome in self._bill_or_drop(shard)]

    def _bill_or_drop(self, shard: BillingShard) -> list[CustomerOutcome]:
        try:
            return self._bill_shard(shard)
        except BillingRunNotFound as error:  # as the SQS worker does: billing it again cannot help
            logger.error("dropping a billing shard", extra={"run_id": shard.run_id, "error": str(error)})
            return []
