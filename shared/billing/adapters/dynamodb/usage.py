"""Usage: events, their rollups and distinct-value markers, all in the customer's USAGE# partition.

Recording an event is one TransactWriteItems with its rollup rows: the event item is put only if absent
(the idempotency guard, unbounded in time and strongly consistent), and each rollup row is replaced at the
version read just before (DynamoDB's update expressions have no `max`, so max and latest are computed
here, exactly, from the stored row). Events of a batch share a transaction while events + rollup rows fit
in DynamoDB's 100 items; a cancelled transaction says, item by item, which events were stored already
(dropped as duplicates) and whether a rollup moved under us (read again, retry).

Distinct values: a marker item per (period, feature, property, value), put only if absent, and a counter
bumped by the number of new markers in the same transaction; markers are read first so that a value seen
before never fails the transaction.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from billing.adapters.dynamodb import keys
from billing.adapters.dynamodb.customers import NOT_EXISTS, doc, undoc
from billing.adapters.dynamodb.table import (
    MAX_TRANSACTION_ITEMS,
    SK,
    TIME_INDEX,
    TIME_PK,
    TIME_SK,
    Cancelled,
    Item,
    Table,
    check_number,
    integer,
    n,
    number,
    put_action,
    s,
    text,
    update_action,
)
from billing.adapters.records import event_from_record, event_to_record
from billing.domain.errors import InvalidInput, StorageUnavailable
from billing.domain.exact import exact_arithmetic
from billing.domain.models import CustomerPeriodUsage, RecordResult, UsageAggregate, UsageEvent
from billing.domain.rollups import distinct_values, rollup_deltas
from billing.domain.time import bucket_start

_ATTEMPTS = 12


def _aggregate_from(item: Item) -> UsageAggregate:
    return UsageAggregate(
        number(item, "sum"),
        integer(item, "count"),
        number(item, "max"),
        integer(item, "latest_ts"),
        number(item, "latest_quantity"),
    )


def _aggregate_attributes(aggregate: UsageAggregate) -> Item:
    return {
        "sum": n(check_number(aggregate.sum, field="quantity")),
        "count": n(aggregate.count),
        "max": n(check_number(aggregate.max, field="quantity")),
        "latest_ts": n(aggregate.latest_ts),
        "latest_quantity": n(aggregate.latest_quantity),
    }


def _event_item(event: UsageEvent) -> Item:
    return {
        **keys.event(event.customer_id, event.id),
        "doc": doc(event_to_record(event)),
        TIME_PK: s(keys.usage_pk(event.customer_id)),
        TIME_SK: n(event.ts),
    }


def _chunks(events: Sequence[UsageEvent]) -> Iterable[list[UsageEvent]]:
    """Consecutive events whose transaction (events + the rollup rows, markers and counters they may
    touch) fits in 100 items."""
    chunk: list[UsageEvent] = []
    rows: set[tuple[Any, ...]] = set()
    for event in events:
        touched: set[tuple[Any, ...]] = {
            ("B", bucket_start(event.ts), event.feature),
            ("D", event.day, event.feature),
            ("P", event.period, event.feature),
        }
        for name, value in distinct_values(event):
            touched.add(("V", event.period, event.feature, name, value))
            touched.add(("U", event.period, event.feature, name))
        if chunk and len(chunk) + 1 + len(rows | touched) > MAX_TRANSACTION_ITEMS:
            yield chunk
            chunk, rows = [], set()
        chunk.append(event)
        rows |= touched
    if chunk:
        yield chunk


class DynamoUsage:
    def __init__(self, table: Table) -> None:
        self._table = table

    # -- writing -------------------------------------------------------------

    def record(self, events: Sequence[UsageEvent]) -> RecordResult:
        if not events:
            return RecordResult(())
        customer_id = events[0].customer_id
        for event in events:  # refuse a bad batch before anything is written
            if event.customer_id != customer_id:
                raise ValueError("a batch holds one customer's events")
            if event.day is None:
                raise ValueError(f"event {event.id!r} has no local day: the ingest service sets it")
            check_number(event.quantity, field="quantity")
        stored: dict[str, bool] = {}
        for chunk in _chunks(events):
            self._record_chunk(customer_id, chunk, stored)
        return RecordResult(tuple(stored[event.id] for event in events))

    def _record_chunk(self, customer_id: str, chunk: list[UsageEvent], stored: dict[str, bool]) -> None:
        remaining = chunk
        for attempt in range(_ATTEMPTS):
            if not remaining:
                return
            with exact_arithmetic():
                actions = self._actions(customer_id, remaining)
            try:
                self._table.transact(actions)
            except Cancelled as cancelled:
                duplicates = {event.id for index, event in enumerate(remaining) if cancelled.failed(index)}
                for event_id in duplicates:
                    stored[event_id] = False
                remaining = [event for event in remaining if event.id not in duplicates]
                if not duplicates:  # a rollup or marker moved under us: back off a little, read again
                    time.sleep(random.uniform(0, 0.002 * 2**attempt))
                continue
            for event in remaining:
                stored[event.id] = True
            return
        raise StorageUnavailable(f"usage rollups of customer {customer_id} kept changing; retry the batch")

    def _actions(self, customer_id: str, events: list[UsageEvent]) -> list[dict[str, Any]]:
        """[one put per event (in order), then the rollup rows, new markers and counters]."""
        pk = keys.usage_pk(customer_id)
        deltas = rollup_deltas(events)
        rows: dict[str, tuple[UsageAggregate, Item]] = {}
        for (bucket, feature), aggregate in deltas.buckets.items():
            rows[keys.bucket_sk(bucket, feature)] = (aggregate, {"feature": s(feature), "bucket": n(bucket)})
        for (day, feature), aggregate in deltas.days.items():
            rows[keys.day_sk(day, feature)] = (aggregate, {"feature": s(feature), "day": s(day)})
        for (period, feature), aggregate in deltas.periods.items():
            rows[keys.period_sk(period, feature)] = (aggregate, {"feature": s(feature), "period": s(period)})
        markers = {
            keys.distinct_marker_sk(period, feature, prop, value): (period, feature, prop)
            for (period, feature, prop), values in deltas.distinct.items()
            for value in values
        }
        read = self._table.batch_get(
            [keys.key(pk, sort_key) for sort_key in itertools.chain(rows, markers)], projection=None
        )
        current = {text(item, SK): item for item in read}

        actions = [put_action(_event_item(event), NOT_EXISTS) for event in events]
        for sort_key, (delta, attributes) in rows.items():
            before = current.get(sort_key)
            if before is None:
                aggregate, version, condition, values = delta, 1, NOT_EXISTS, None
            else:
                aggregate = _aggregate_from(before)
                aggregate.merge(delta)
                version = integer(before, "ver") + 1
                condition, values = "ver = :read", {":read": n(version - 1)}
            try:
                item = {**keys.key(pk, sort_key), **attributes, **_aggregate_attributes(aggregate), "ver": n(version)}
            except InvalidInput as error:
                raise InvalidInput(
                    f"{error.message} (the total of {attributes['feature']['S']})", field="quantity"
                ) from None
            actions.append(put_action(item, condition, values=values))
        new_values: dict[tuple[str, str, str], int] = {}
        for sort_key, group in markers.items():
            if sort_key in current:
                continue
            actions.append(put_action({**keys.key(pk, sort_key)}, NOT_EXISTS))
            new_values[group] = new_values.get(group, 0) + 1
        for (period, feature, prop), count in new_values.items():
            actions.append(
                update_action(
                    keys.key(pk, keys.distinct_count_sk(period, feature, prop)),
                    "ADD #distinct :count SET feature = :feature, #property = :property, #period = :period",
                    names={"#distinct": "distinct", "#property": "property", "#period": "period"},
                    values={":count": n(count), ":feature": s(feature), ":property": s(prop), ":period": s(period)},
                )
            )
        return actions

    # -- reading -------------------------------------------------------------

    def buckets(self, customer_id: str, start: int, end: int) -> list[tuple[str, int, Decimal]]:
        items = self._rollup_rows(customer_id, keys.bucket_sk(start), keys.bucket_sk(end))
        return [(text(item, "feature") or "", integer(item, "bucket"), number(item, "sum")) for item in items]

    def days(self, customer_id: str, first_day: str, end_day: str) -> list[tuple[str, str, Decimal]]:
        items = self._rollup_rows(customer_id, keys.day_sk(first_day), keys.day_sk(end_day))
        return [(text(item, "feature") or "", text(item, "day") or "", number(item, "sum")) for item in items]

    def periods(self, customer_id: str, first_period: str, end_period: str) -> list[tuple[str, str, Decimal]]:
        items = self._rollup_rows(customer_id, keys.period_prefix(first_period), keys.period_prefix(end_period))
        # A period's distinct-value counters (P#<period>#U#…) sort among its aggregates: dropped here.
        return [
            (text(item, "feature") or "", text(item, "period") or "", number(item, "sum"))
            for item in items
            if "distinct" not in item
        ]

    def bucket_aggregates(self, customer_id: str, start: int, end: int) -> list[tuple[str, int, UsageAggregate]]:
        items = self._rollup_rows(customer_id, keys.bucket_sk(start), keys.bucket_sk(end))
        return [(text(item, "feature") or "", integer(item, "bucket"), _aggregate_from(item)) for item in items]

    def day_aggregates(self, customer_id: str, first_day: str, end_day: str) -> list[tuple[str, str, UsageAggregate]]:
        items = self._rollup_rows(customer_id, keys.day_sk(first_day), keys.day_sk(end_day))
        return [(text(item, "feature") or "", text(item, "day") or "", _aggregate_from(item)) for item in items]

    def period_aggregates(
        self, customer_id: str, first_period: str, end_period: str
    ) -> list[tuple[str, str, UsageAggregate]]:
        items = self._rollup_rows(customer_id, keys.period_prefix(first_period), keys.period_prefix(end_period))
        return [
            (text(item, "feature") or "", text(item, "period") or "", _aggregate_from(item))
            for item in items
            if "sum" in item  # aggregates only: a period's other rows (distinct-value counters) sort among them
        ]

    def _rollup_rows(self, customer_id: str, first: str, end: str) -> list[Item]:
        """One Query of the customer's usage partition from sort key `first` to `end`: a range of one rollup
        tier, whose rows' keys extend these prefixes (so a row starting exactly at `end` sorts after it)."""
        return self._table.query_all(
            key="PK = :pk AND SK BETWEEN :first AND :end",
            values={":pk": s(keys.usage_pk(customer_id)), ":first": s(first), ":end": s(end)},
        )

    def events(self, customer_id: str, start: int, end: int) -> list[UsageEvent]:
        if end <= start:
            return []
        items = self._table.query_all(
            index=TIME_INDEX,
            key=f"{TIME_PK} = :pk AND {TIME_SK} BETWEEN :start AND :last",
            values={":pk": s(keys.usage_pk(customer_id)), ":start": n(start), ":last": n(end - 1)},
        )
        return [event_from_record(undoc(item)) for item in items]

    def period_usage(self, customer_id: str, period: str) -> CustomerPeriodUsage:
        items = self._table.query_all(
            key="PK = :pk AND begins_with(SK, :prefix)",
            values={":pk": s(keys.usage_pk(customer_id)), ":prefix": s(keys.period_prefix(period))},
        )
        return _period_usage(customer_id, period, items)

    def period_usage_many(self, customer_ids: Sequence[str], period: str) -> dict[str, CustomerPeriodUsage]:
        # One Query per customer: each customer's usage is its own partition.
        return {customer_id: self.period_usage(customer_id, period) for customer_id in dict.fromkeys(customer_ids)}

    def customer_period_usage(self, customer_id: str) -> list[CustomerPeriodUsage]:
        items = self._table.query_all(
            key="PK = :pk AND begins_with(SK, :prefix)",
            values={":pk": s(keys.usage_pk(customer_id)), ":prefix": s(keys.period_prefix())},
        )
        by_period: dict[str, list[Item]] = {}
        for item in items:
            by_period.setdefault(text(item, "period") or "", []).append(item)
        return [_period_usage(customer_id, period, by_period[period]) for period in sorted(by_period)]


def _period_usage(customer_id: str, period: str, items: list[Item]) -> CustomerPeriodUsage:
    features: dict[str, UsageAggregate] = {}
    distinct: dict[tuple[str, str], int] = {}
    for item in items:
        feature = text(item, "feature") or ""
        if "distinct" in item:
            distinct[(feature, text(item, "property") or "")] = integer(item, "distinct")
        else:
            features[feature] = _aggregate_from(item)
    return CustomerPeriodUsage(customer_id, period, features, distinct)
