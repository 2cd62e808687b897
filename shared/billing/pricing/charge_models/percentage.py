"""percentage: a rate on the period's value, with Lago's free units, fixed fee and per-transaction bounds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any, ClassVar, Self

from billing.domain.errors import InvalidPrice
from billing.domain.money import ZERO
from billing.pricing.aggregation import Aggregation
from billing.pricing.charge_models.base import (
    check_amount,
    checked_quantity,
    field_at,
    percent_of,
    refuse_latest,
    spec_text,
)
from billing.pricing.charges import (
    Charge,
    FixedFeeCharge,
    PercentageCharge,
    PeriodEvents,
    Rating,
    TransactionChargesCharge,
)
from billing.pricing.fields import decimal, non_negative, require


def _free_events_count(raw: object, *, field: str) -> int:
    value = decimal(raw, field=field)
    if value != value.to_integral_value() or value < 1:
        raise InvalidPrice(f"{field} must be a whole number of events, at least 1, got {raw!r}", field=field)
    return int(value)


def _check_min_max(low: Decimal | None, high: Decimal | None, *, field: str) -> None:
    if low is not None and high is not None and high < low:
        at = field_at(field, "per_transaction_max_amount")
        raise InvalidPrice(
            f"{at} must not be lower than per_transaction_min_amount ({spec_text(high)} < {spec_text(low)})", field=at
        )


@dataclass(frozen=True)
class Percentage:
    """`rate` percent of the period's value (e.g. transaction amounts summed through a meter), plus an
    optional `fixed_amount` per event, as Lago's percentage charge model combines them:

    - free value: the first `free_units_per_events` events' values, capped at
      `free_units_per_total_aggregation` when both are set; the whole value capped at
      `free_units_per_total_aggregation` when only that is set. The rate applies to the value above it.
    - free events (no fixed fee): `free_units_per_events`, or the number of events while the running
      total stays strictly below `free_units_per_total_aggregation`; the smaller of the two non-zero
      counts when both are set (a count of 0 is ignored, as Lago does). No fixed fee at a value of 0.
    - with `per_transaction_min_amount` / `per_transaction_max_amount`, each event is priced on its own
      (its rate and fixed fee, then held within the bounds), free units consumed event by event in time
      order, exactly as Lago's per-transaction path does.
    """

    percent: Decimal  # the spec's `rate` (a percentage: "2.9" is 2.9 %); `rate()` is the strategy method
    fixed_amount: Decimal | None = None
    free_units_per_events: int | None = None
    free_units_per_total_aggregation: Decimal | None = None
    per_transaction_min_amount: Decimal | None = None
    per_transaction_max_amount: Decimal | None = None

    name: ClassVar[str] = "percentage"
    spec_keys: ClassVar[frozenset[str]] = frozenset(
        {
            "rate",
            "fixed_amount",
            "free_units_per_events",
            "free_units_per_total_aggregation",
            "per_transaction_min_amount",
            "per_transaction_max_amount",
        }
    )
    _DECIMALS: ClassVar[tuple[str, ...]] = (
        "fixed_amount",
        "free_units_per_total_aggregation",
        "per_transaction_min_amount",
        "per_transaction_max_amount",
    )

    def __post_init__(self) -> None:
        check_amount(self.percent, field="rate")
        for key in self._DECIMALS:
            value = getattr(self, key)
            if value is not None:
                check_amount(value, field=key)
        events = self.free_units_per_events
        if events is not None and (isinstance(events, bool) or not isinstance(events, int) or events < 1):
            raise InvalidPrice(
                "free_units_per_events must be a whole number of events, at least 1", field="free_units_per_events"
            )
        _check_min_max(self.per_transaction_min_amount, self.per_transaction_max_amount, field="")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        def optional(key: str) -> Decimal | None:
            raw = spec.get(key)
            return None if raw is None else non_negative(raw, field=f"{field}.{key}")

        raw_events = spec.get("free_units_per_events")
        low, high = optional("per_transaction_min_amount"), optional("per_transaction_max_amount")
        _check_min_max(low, high, field=field)
        return cls(
            percent=non_negative(require(spec, "rate", field=field), field=f"{field}.rate"),
            fixed_amount=optional("fixed_amount"),
            free_units_per_events=(
                None if raw_events is None else _free_events_count(raw_events, field=f"{field}.free_units_per_events")
            ),
            free_units_per_total_aggregation=optional("free_units_per_total_aggregation"),
            per_transaction_min_amount=low,
            per_transaction_max_amount=high,
        )

    @property
    def _free_events_setting(self) -> int:
        return self.free_units_per_events or 0

    @property
    def _free_value_setting(self) -> Decimal:
        return self.free_units_per_total_aggregation or ZERO

    @property
    def _per_transaction(self) -> bool:
        return self.per_transaction_min_amount is not None or self.per_transaction_max_amount is not None

    def reads_event_values(self) -> bool:
        fixed_fee = bool(self.fixed_amount)
        return self._per_transaction or self._free_events_setting > 0 or (self._free_value_setting > ZERO and fixed_fee)

    def check_aggregation(self, aggregation: Aggregation, *, field: str) -> None:
        refuse_latest(aggregation, self.name, field=field)
        if aggregation in (Aggregation.SUM, Aggregation.COUNT):
            return
        for key in (
            "free_units_per_events",
            "free_units_per_total_aggregation",
            "per_transaction_min_amount",
            "per_transaction_max_amount",
        ):
            if getattr(self, key) is not None:
                at = field_at(field, key)
                raise InvalidPrice(
                    f"{at} needs each event's value: use aggregation sum or count, not {aggregation.value}",
                    field=at,
                )

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        units = checked_quantity(quantity)
        count = 0 if events is None else events.count
        if self._per_transaction:
            return self._rate_per_transaction(self._values(events), count)
        if units == ZERO and count == 0:
            return Rating.of(())
        free_value = self._free_value(units, events)
        charges: list[Charge] = [
            PercentageCharge(
                units=units,
                free_units=free_value,
                rate=self.percent,
                amount=ZERO if free_value > units else percent_of(units - free_value, self.percent),
            )
        ]
        if self.fixed_amount is not None:
            if events is None:
                raise ValueError("a percentage price with a fixed_amount needs the period's event count")
            free_events = self._free_events(events) if self.fixed_amount else 0
            paid_events = 0 if units == ZERO else max(count - free_events, 0)
            charges.append(FixedFeeCharge(count, free_events, self.fixed_amount, paid_events * self.fixed_amount))
        return Rating.of(charges)

    def _values(self, events: PeriodEvents | None) -> Iterable[Decimal]:
        if events is None or events.values is None:
            raise ValueError("this percentage price needs each event's value (reads_event_values)")
        return events.values

    def _free_value(self, units: Decimal, events: PeriodEvents | None) -> Decimal:
        per_events, per_value = self._free_events_setting, self._free_value_setting
        if per_events:
            base = sum(islice(self._values(events), per_events), ZERO)
        elif per_value:
            base = units
        else:
            return ZERO
        return min(base, per_value) if per_value else base

    def _free_events(self, events: PeriodEvents) -> int:
        per_events, per_value = self._free_events_setting, self._free_value_setting
        below = 0
        if per_value:
            running = ZERO
            for value in self._values(events):
                running += value
                if running >= per_value:
                    break
                below += 1
        counts = [count for count in (per_events, below) if count]
        return min(counts, default=0)

    def _rate_per_transaction(self, values: Iterable[Decimal], count: int) -> Rating:
        fixed = self.fixed_amount or ZERO
        low, high = self.per_transaction_min_amount, self.per_transaction_max_amount
        free_events, free_value = self._free_events_setting, self._free_value_setting
        total, paid = ZERO, 0
        for raw in values:
            value = raw
            if free_events > 0 or free_value > ZERO:
                free_events -= 1
                if free_value <= ZERO:
                    continue
                if free_value > value:
                    free_value -= value
                    continue
                value -= free_value
                free_value, free_events = ZERO, 0
            fee = percent_of(value, self.percent) + fixed
            if low is not None and fee < low:
                fee = low
            elif high is not None and fee > high:
                fee = high
            total += fee
            paid += 1
        if count == 0 and paid == 0:
            return Rating.of(())
        return Rating.of([TransactionChargesCharge(count, count - paid, self.percent, fixed, low, high, total)])

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"rate": spec_text(self.percent)}
        if self.fixed_amount is not None:
            spec["fixed_amount"] = spec_text(self.fixed_amount)
        if self.free_units_per_events is not None:
            spec["free_units_per_events"] = self.free_units_per_events
        for key in self._DECIMALS[1:]:
            value = getattr(self, key)
            if value is not None:
                spec[key] = spec_text(value)
        return spec
