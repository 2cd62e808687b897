"""Usage: events, their rollups and distinct-value markers, all in the customer's USAGE# partition.

Recording an event is one TransactWriteItems with its rollup rows: the event item is put only if absent
(the idempotency guard, unbounded in time and strongly consistent), and each rollup row is replaced at the
version read just before (DynamoDB's update expressions have no `max`, so max and latest are computed
here, exactly, from the stored row). Events of a batch share a transaction while events + rollup rows fit
in DynamoDB's 100 items; a cancelled transaction says, item by item, which events were stored already
(dropped as duplicates) and whether a rollup moved under us (read again, retry).

Distinct values: a marker item per (period, feature, property, value), put only if absent (markers are read
first, so that a value seen before never fails the transaction). The period row itself keeps, per tracked
property, how many of its events were checked for it (`checked`, the coverage) and how many markers they
added (`values`): on the row that holds the event count, so that one read of one item says whether the
count of values is the period's whole one (DynamoDB's Query is read-committed per item: two items written
by one transaction may be read from two different moments).
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from typing import Any

from billing.adapters.dynamodb import item_keys
from billing.adapters.dynamodb.table.attributes import Item, check_number, doc, integer, n, number, s, text, undoc
from billing.adapters.dynamodb.table.client import MAX_TRANSACTION_ITEMS, NOT_EXISTS, Table, put_action
from billing.adapters.dynamodb.table.errors import Cancelled
from billing.adapters.dynamodb.table.schema import SK, TIME_INDEX, TIME_PK, TIME_SK
from billing.adapters.records import (
    AGGREGATE_FIELDS,
    aggregate_from_values,
    aggregate_values,
    event_from_record,
    event_to_record,
)
from billing.domain.errors import InvalidInput, StorageUnavailable
from billing.domain.exact import exact_arithmetic
from billing.domain.rollups import distinct_values, rollup_deltas
from billing.domain.time import bucket_start
from billing.domain.usage import CustomerPeriodUsage, RecordResult, UsageAggregate, UsageEvent

_ATTEMPTS = 12


def _aggregate_from(item: Item) -> UsageAggregate:
    return aggregate_from_values(*(item[name]["N"] for name in AGGREGATE_FIELDS))


def _aggregate_attributes(aggregate: UsageAggregate) -> Item:
    check_number(aggregate.sum, field="quantity")
    check_number(aggregate.max, field="quantity")
    return {name: {"N": str(value)} for name, value in zip(AGGREGATE_FIELDS, aggregate_values(aggregate), strict=True)}


def _event_item(event: UsageEvent) -> Item:
    return {
        **item_keys.event(event.customer_id, event.id),
        "doc": doc(event_to_record(event)),
        TIME_PK: s(item_keys.usage_pk(event.customer_id)),
        TIME_SK: n(event.ts_us),
    }


def _chunks(events: Sequence[UsageEvent]) -> Iterable[list[UsageEvent]]:
    """Consecutive events whose transaction (events + the rollup rows, markers and counters they may
    touch) fits in 100 items."""
    chunk: list[UsageEvent] = []
    rows: set[tuple[Any, ...]] = set()
    for event in events:
        touched: set[tuple[Any, ...]] = {
            ("B", bucket_start(event.ts_us), event.feature),
            ("D", event.day, event.feature),
            ("P", event.period, event.feature),
        }
        for name, value in distinct_values(event):
            touched.add(("V", event.period, event.feature, name, value))
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
        """[one put per event (in order), then the rollup rows and the new markers]."""
        pk = item_keys.usage_pk(customer_id)
        deltas = rollup_deltas(events)
        rows: dict[str, tuple[UsageAggregate, Item]] = {}
        for (bucket, feature), aggregate in deltas.buckets.items():
            rows[item_keys.bucket_sk(bucket, feature)] = (aggregate, {"feature": s(feature), "bucket": n(bucket)})
        for (day, feature), aggregate in deltas.days.items():
            rows[item_keys.day_sk(day, feature)] = (aggregate, {"feature": s(feature), "day": s(day)})
        for (period, feature), aggregate in deltas.periods.items():
            rows[item_keys.period_sk(period, feature)] = (aggregate, {"feature": s(feature), "period": s(period)})
        markers = {
            item_keys.distinct_marker_sk(period, feature, prop, value): (period, feature, prop)
            for (period, feature, prop), values in deltas.distinct.items()
            for value in values
        }
        read = self._table.batch_get(
            [item_keys.key(pk, sort_key) for sort_key in itertools.chain(rows, markers)], projection=None
        )
        current = {text(item, SK): item for item in read}

        new_markers = [sort_key for sort_key in markers if sort_key not in current]
        tracked = _tracked_deltas(deltas.coverage, [markers[sort_key] for sort_key in new_markers])
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
                item = {
                    **item_keys.key(pk, sort_key),
                    **attributes,
                    **_aggregate_attributes(aggregate),
                    "ver": n(version),
                }
            except InvalidInput as error:
                raise InvalidInput(
                    f"{error.message} (the total of {attributes['feature']['S']})", field="quantity"
                ) from None
            if "period" in attributes:  # the row is put whole: its tracked properties carried over
                added = tracked.get((text(attributes, "period") or "", text(attributes, "feature") or ""), {})
                props = _merged_props(before, added)
                if props:
                    item[PROPS] = _props_item(props)
            actions.append(put_action(item, condition, values=values))
        actions += [put_action({**item_keys.key(pk, sort_key)}, NOT_EXISTS) for sort_key in new_markers]
        return actions

    def cover_distinct(
        self, customer_id: str, period: str, feature: str, prop: str, values: Collection[str], *, events: int
    ) -> bool:
        pk = item_keys.usage_pk(customer_id)
        row_key = item_keys.key(pk, item_keys.period_sk(period, feature))
        row = self._table.get(row_key)
        if not _counts(row, events):
            return False  # events arrived since they were read: they are counted again next time
        distinct = set(values)
        wanted = {item_keys.distinct_marker_sk(period, feature, prop, value) for value in distinct}
        stored = self._table.batch_get([item_keys.key(pk, sort_key) for sort_key in sorted(wanted)], projection=SK)
        # The markers first, in as many transactions as they need; the last one also sets the coverage on the
        # period row, at the version read, so that it applies only if no event arrived meanwhile.
        missing = self._put_markers(pk, sorted(wanted - {text(item, SK) for item in stored}))
        for attempt in range(_ATTEMPTS):
            if attempt:
                row = self._table.get(row_key)
                if not _counts(row, events):
                    return False
            assert row is not None
            props = _props_of(row)
            props[prop] = (events, len(distinct))
            version = integer(row, "ver")
            covered = {**row, PROPS: _props_item(props), "ver": n(version + 1)}
            actions = [put_action({**item_keys.key(pk, sort_key)}, NOT_EXISTS) for sort_key in missing]
            actions.append(put_action(covered, "ver = :read", values={":read": n(version)}))
            try:
                self._table.transact(actions)
            except Cancelled as cancelled:
                # A marker another writer put meanwhile is left out; a row that moved (an event, another
                # property's coverage) is read again.
                missing = [sort_key for index, sort_key in enumerate(missing) if not cancelled.failed(index)]
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
                continue
            return True
        return False  # the row kept moving: not covered this time, which only costs a read of raw events

    def _put_markers(self, pk: str, sort_keys: list[str]) -> list[str]:
        """Put markers (each only if absent: its put is the value's one count, as in `record`) in transactions
        of 100 until fewer than 100 are left, and return those: the caller's last transaction carries them."""
        pending = sort_keys
        attempts = 0
        while len(pending) >= MAX_TRANSACTION_ITEMS:
            chunk = pending[:MAX_TRANSACTION_ITEMS]
            try:
                self._table.transact([put_action({**item_keys.key(pk, sort_key)}, NOT_EXISTS) for sort_key in chunk])
            except Cancelled as cancelled:
                put_meanwhile = {sort_key for index, sort_key in enumerate(chunk) if cancelled.failed(index)}
                if not put_meanwhile:
                    attempts += 1
                    if attempts >= _ATTEMPTS:
                        raise StorageUnavailable("distinct-value markers kept conflicting; retry") from None
                    time.sleep(random.uniform(0, 0.002 * 2**attempts))
                pending = [sort_key for sort_key in pending if sort_key not in put_meanwhile]
                continue
            pending = pending[MAX_TRANSACTION_ITEMS:]
        return pending

    # -- reading -------------------------------------------------------------

    def buckets(self, customer_id: str, start: int, end: int) -> list[tuple[str, int, Decimal]]:
        items = self._rollup_rows(customer_id, item_keys.bucket_sk(start), item_keys.bucket_sk(end))
        return [(text(item, "feature") or "", integer(item, "bucket"), number(item, "sum")) for item in items]

    def days(self, customer_id: str, first_day: str, end_day: str) -> list[tuple[str, str, Decimal]]:
        items = self._rollup_rows(customer_id, item_keys.day_sk(first_day), item_keys.day_sk(end_day))
        return [(text(item, "feature") or "", text(item, "day") or "", number(item, "sum")) for item in items]

    def periods(self, customer_id: str, first_period: str, end_period: str) -> list[tuple[str, str, Decimal]]:
        items = self._rollup_rows(
            customer_id, item_keys.period_prefix(first_period), item_keys.period_prefix(end_period)
        )
        return [
            (text(item, "feature") or "", text(item, "period") or "", number(item, "sum"))
            for item in items
            if not _is_legacy_counter(item)
        ]

    def bucket_aggregates(self, customer_id: str, start: int, end: int) -> list[tuple[str, int, UsageAggregate]]:
        items = self._rollup_rows(customer_id, item_keys.bucket_sk(start), item_keys.bucket_sk(end))
        return [(text(item, "feature") or "", integer(item, "bucket"), _aggregate_from(item)) for item in items]

    def day_aggregates(self, customer_id: str, first_day: str, end_day: str) -> list[tuple[str, str, UsageAggregate]]:
        items = self._rollup_rows(customer_id, item_keys.day_sk(first_day), item_keys.day_sk(end_day))
        return [(text(item, "feature") or "", text(item, "day") or "", _aggregate_from(item)) for item in items]

    def period_aggregates(
        self, customer_id: str, first_period: str, end_period: str
    ) -> list[tuple[str, str, UsageAggregate]]:
        items = self._rollup_rows(
            customer_id, item_keys.period_prefix(first_period), item_keys.period_prefix(end_period)
        )
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
            values={":pk": s(item_keys.usage_pk(customer_id)), ":first": s(first), ":end": s(end)},
        )

    def events(self, customer_id: str, start: int, end: int) -> list[UsageEvent]:
        if end <= start:
            return []
        items = self._table.query_all(
            index=TIME_INDEX,
            key=f"{TIME_PK} = :pk AND {TIME_SK} BETWEEN :start AND :last",
            values={":pk": s(item_keys.usage_pk(customer_id)), ":start": n(start), ":last": n(end - 1)},
        )
        return [event_from_record(undoc(item)) for item in items]

    def period_usage(self, customer_id: str, period: str) -> CustomerPeriodUsage:
        items = self._table.query_all(
            key="PK = :pk AND begins_with(SK, :prefix)",
            values={":pk": s(item_keys.usage_pk(customer_id)), ":prefix": s(item_keys.period_prefix(period))},
        )
        return _period_usage(customer_id, period, items)

    def period_usage_many(self, customer_ids: Sequence[str], period: str) -> dict[str, CustomerPeriodUsage]:
        # One Query per customer: each customer's usage is its own partition.
        return {customer_id: self.period_usage(customer_id, period) for customer_id in dict.fromkeys(customer_ids)}

    def customer_period_usage(self, customer_id: str) -> list[CustomerPeriodUsage]:
        items = self._table.query_all(
            key="PK = :pk AND begins_with(SK, :prefix)",
            values={":pk": s(item_keys.usage_pk(customer_id)), ":prefix": s(item_keys.period_prefix())},
        )
        by_period: dict[str, list[Item]] = {}
        for item in items:
            by_period.setdefault(text(item, "period") or "", []).append(item)
        return [_period_usage(customer_id, period, by_period[period]) for period in sorted(by_period)]


def _period_usage(customer_id: str, period: str, items: list[Item]) -> CustomerPeriodUsage:
    features: dict[str, UsageAggregate] = {}
    distinct: dict[tuple[str, str], int] = {}
    coverage: dict[tuple[str, str], int] = {}
    for item in items:
        if _is_legacy_counter(item):
            continue
        feature = text(item, "feature") or ""
        features[feature] = _aggregate_from(item)
        for prop, (checked, values) in _props_of(item).items():
            distinct[(feature, prop)] = values
            coverage[(feature, prop)] = checked
    return CustomerPeriodUsage(customer_id, period, features, distinct, coverage)


def _is_legacy_counter(item: Item) -> bool:
    """A distinct-value counter item (`P#<period>#U#…`) of the adapter before coverage: no longer written,
    and not read (without a coverage its count never was known to be whole; the raw events say)."""
    return "distinct" in item


PROPS = "props"  # on a period row: {property: {"checked": N, "values": N}} of each tracked property


def _counts(row: Item | None, events: int) -> bool:
    """Whether a period row counts exactly `events` events."""
    return row is not None and integer(row, "count") == events


def _props_of(item: Item | None) -> dict[str, tuple[int, int]]:
    """A period row's tracked properties: property → (events checked for it, distinct values they added)."""
    if item is None or PROPS not in item:
        return {}
    return {
        name: (integer(entry["M"], "checked"), integer(entry["M"], "values"))
        for name, entry in item[PROPS]["M"].items()
    }


def _props_item(props: dict[str, tuple[int, int]]) -> Item:
    return {
        "M": {name: {"M": {"checked": n(checked), "values": n(values)}} for name, (checked, values) in props.items()}
    }


def _tracked_deltas(
    coverage: dict[tuple[str, str, str], int], new_markers: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str], dict[str, tuple[int, int]]]:
    """Per period row (period, feature): property → (events checked, new distinct values) a chunk adds."""
    added: dict[tuple[str, str, str], int] = {}
    for group in new_markers:
        added[group] = added.get(group, 0) + 1
    tracked: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    for (period, feature, prop), checked in coverage.items():
        tracked.setdefault((period, feature), {})[prop] = (checked, added.get((period, feature, prop), 0))
    return tracked


def _merged_props(before: Item | None, added: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    props = _props_of(before)
    for name, (checked, values) in added.items():
        was_checked, had_values = props.get(name, (0, 0))
        props[name] = (was_checked + checked, had_values + values)
    return props
