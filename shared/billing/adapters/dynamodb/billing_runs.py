"""Billing runs: the run item holds its counters; one outcome item per (run, customer) in the run's
partition. Outcomes and the counters they move are one transaction, guarded by the statuses read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from billing.adapters.dynamodb import item_keys
from billing.adapters.dynamodb.table.attributes import Item, doc, integer, n, s, text, undoc
from billing.adapters.dynamodb.table.client import NOT_EXISTS, Table, put_action, update_action
from billing.adapters.dynamodb.table.errors import Cancelled, ConditionFailed
from billing.adapters.dynamodb.table.schema import LIST_PK, LIST_SK
from billing.adapters.records import (
    billing_run_from_record,
    billing_run_to_record,
    outcome_from_record,
    outcome_to_record,
)
from billing.domain.billing_runs import MAX_OUTCOMES_PER_WRITE, BillingRunRecord, CustomerOutcome, OutcomeStatus
from billing.domain.errors import BillingRunNotFound, ConcurrentUpdate, Conflict
from billing.domain.paging import Page
from billing.domain.time import to_micros

_COUNTERS = {OutcomeStatus.BILLED: "billed", OutcomeStatus.FAILED: "failed"}
_ATTEMPTS = 10
# Still queuing its customers: neither planned nor failed (an item stored before heartbeats has none: stale).
_UNFINISHED = "attribute_exists(PK) AND planned = :false AND attribute_not_exists(failure)"


def _run_of(item: Item) -> BillingRunRecord:
    return billing_run_from_record(
        undoc(item),
        queued=integer(item, "queued"),
        billed=integer(item, "billed"),
        failed=integer(item, "failed"),
        planned=bool(item.get("planned", {}).get("BOOL", False)),
        unpriced=integer(item, "unpriced"),
        position=text(item, "position"),
        heartbeat_us=integer(item, "heartbeat") if "heartbeat" in item else None,
        resumptions=integer(item, "resumptions"),
        failure=text(item, "failure"),
    )


def outcome_from_item(item: Item) -> CustomerOutcome:
    return outcome_from_record(undoc(item))


class DynamoBillingRuns:
    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, run: BillingRunRecord) -> None:
        item = {
            **item_keys.run(run.id),
            **item_keys.listing(item_keys.UNFINISHED_RUNS, run.id),
            "doc": doc(billing_run_to_record(run)),
            "queued": n(run.customers_queued),
            "billed": n(run.customers_billed),
            "failed": n(run.customers_failed),
            "unpriced": n(run.customers_with_unpriced_usage),
            "planned": {"BOOL": run.planned},
            "heartbeat": n(to_micros(run.last_progress)),
        }
        try:
            self._table.put(item, condition=NOT_EXISTS)
        except ConditionFailed:
            raise Conflict(f"billing run {run.id!r} already exists") from None

    def get(self, run_id: str) -> BillingRunRecord | None:
        item = self._table.get(item_keys.run(run_id))
        return None if item is None else _run_of(item)

    def advance(
        self,
        run_id: str,
        *,
        from_position: str | None,
        to_position: str | None,
        queued: int,
        planned: bool,
        at: datetime,
    ) -> bool:
        sets = ["heartbeat = :at", "planned = :planned"]
        removes = [] if to_position is not None else ["#position"]
        values: dict[str, Any] = {":count": n(queued), ":at": n(to_micros(at)), ":planned": {"BOOL": planned}}
        if to_position is not None:
            sets.append("#position = :to")
            values[":to"] = s(to_position)
        if planned:  # off the sweep's index
            removes += [LIST_PK, LIST_SK]
        if from_position is None:
            at_position = "attribute_not_exists(#position)"
        else:
            at_position = "#position = :from"
            values[":from"] = s(from_position)
        expression = f"SET {', '.join(sets)} ADD queued :count" + (f" REMOVE {', '.join(removes)}" if removes else "")
        try:
            self._table.update(
                item_keys.run(run_id),
                expression,
                condition=f"{_UNFINISHED} AND {at_position}",
                names={"#position": "position"},
                values={**values, ":false": {"BOOL": False}},
            )
        except ConditionFailed:
            if self.get(run_id) is None:
                raise BillingRunNotFound(run_id) from None
            return False
        return True

    def claim_stale(self, run_id: str, *, stale_before: datetime, at: datetime) -> BillingRunRecord | None:
        try:
            item = self._table.update(
                item_keys.run(run_id),
                "SET heartbeat = :at ADD resumptions :one",
                condition=f"{_UNFINISHED} AND (attribute_not_exists(heartbeat) OR heartbeat < :before)",
                values={
                    ":at": n(to_micros(at)),
                    ":one": n(1),
                    ":before": n(to_micros(stale_before)),
                    ":false": {"BOOL": False},
                },
                return_new=True,
            )
        except ConditionFailed:
            return None
        return None if item is None else _run_of(item)

    def fail(self, run_id: str, reason: str, *, at: datetime) -> bool:
        try:
            self._table.update(
                item_keys.run(run_id),
                f"SET failure = :reason, heartbeat = :at REMOVE {LIST_PK}, {LIST_SK}",
                condition=_UNFINISHED,
                values={":reason": s(reason), ":at": n(to_micros(at)), ":false": {"BOOL": False}},
            )
        except ConditionFailed:
            return False
        return True

    def unfinished(self, *, limit: int, cursor: str | None = None) -> Page[BillingRunRecord]:
        return self._table.list_kind(item_keys.UNFINISHED_RUNS, _run_of, limit=limit, cursor=cursor)

    def record_outcomes(self, run_id: str, outcomes: Sequence[CustomerOutcome]) -> None:
        """BatchGetItem of the stored outcomes, then one TransactWriteItems: each changed outcome (conditional on
        the status read) and the run's counters moved by the changes. A racing writer cancels it: read again."""
        if len(outcomes) > MAX_OUTCOMES_PER_WRITE:
            raise ValueError(f"at most {MAX_OUTCOMES_PER_WRITE} outcomes per write")
        for _ in range(_ATTEMPTS):
            stored = self._table.batch_get([item_keys.outcome(run_id, o.customer_id) for o in outcomes])
            previous = {undoc(item)["customer_id"]: outcome_from_item(item) for item in stored}
            changed = [
                o for o in outcomes if o.customer_id not in previous or previous[o.customer_id].status != o.status
            ]
            if not changed:
                return
            actions = [self._outcome_action(run_id, o, previous.get(o.customer_id)) for o in changed]
            replaced = [previous[o.customer_id] for o in changed if o.customer_id in previous]
            moves = Counter(_COUNTERS[o.status] for o in changed)
            moves.subtract(_COUNTERS[old.status] for old in replaced)
            unpriced = sum(bool(o.unpriced_features) for o in changed) - sum(
                bool(o.unpriced_features) for o in replaced
            )
            actions.append(
                update_action(
                    item_keys.run(run_id),
                    "ADD billed :billed, failed :failed, unpriced :unpriced",
                    "attribute_exists(PK)",
                    values={":billed": n(moves["billed"]), ":failed": n(moves["failed"]), ":unpriced": n(unpriced)},
                )
            )
            try:
                self._table.transact(actions)
            except Cancelled as cancelled:
                if cancelled.failed(len(actions) - 1):
                    raise BillingRunNotFound(run_id) from None
                continue  # another worker recorded one of these customers meanwhile: read again
            return
        raise ConcurrentUpdate(f"outcomes of run {run_id} kept changing")

    @staticmethod
    def _outcome_action(run_id: str, outcome: CustomerOutcome, previous: CustomerOutcome | None) -> dict[str, Any]:
        item = {
            **item_keys.outcome(run_id, outcome.customer_id),
            "doc": doc(outcome_to_record(outcome)),
            "status": s(outcome.status.value),
            "unpriced": {"BOOL": bool(outcome.unpriced_features)},
        }
        if previous is None:
            return put_action(item, NOT_EXISTS)
        return put_action(
            item, "#status = :previous", names={"#status": "status"}, values={":previous": s(previous.status.value)}
        )

    def outcomes(
        self,
        run_id: str,
        *,
        status: OutcomeStatus | None = None,
        unpriced: bool = False,
        limit: int,
        cursor: str | None = None,
    ) -> Page[CustomerOutcome]:
        values: dict[str, Any] = {":pk": s(item_keys.run_pk(run_id)), ":prefix": s("OUT#")}
        names: dict[str, str] = {}
        conditions = []
        if status is not None:
            conditions.append("#status = :status")
            names["#status"] = "status"
            values[":status"] = s(status.value)
        if unpriced:
            conditions.append("unpriced = :unpriced")
            values[":unpriced"] = {"BOOL": True}
        condition = " AND ".join(conditions) or None
        return self._table.page(
            outcome_from_item,
            limit=limit,
            cursor=cursor,
            key="PK = :pk AND begins_with(SK, :prefix)",
            filter=condition,
            names=names,
            values=values,
        )
