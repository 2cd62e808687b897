"""The pricing models, one small strategy class each.

Each is a frozen dataclass of validated Decimals with `rate(quantity, events) -> Rating` (unrounded amount
plus breakdown), `from_spec` (the API's JSON shape, errors naming the exact field) and `to_spec` (canonical
JSON-able dict). The factory (billing.pricing.factory) picks the class by its `name`.

Field names follow Lago's charge properties, so a plan migrating from Lago maps one to one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any, ClassVar, Protocol, Self, TypeVar

from billing.domain.errors import InvalidPrice
from billing.domain.exact import MAX_PRICE_NUMBER, PRICE_PLACES
from billing.domain.money import ZERO
from billing.pricing._fields import (
    decimal,
    exact,
    mapping,
    non_negative,
    positive,
    refuse_unknown_keys,
    require,
)
from billing.pricing.aggregation import Aggregation
from billing.pricing.rating import (
    Charge,
    FixedFeeCharge,
    PercentageCharge,
    PeriodEvents,
    Rating,
    TierCharge,
    TransactionChargesCharge,
    package_count,
)


class PriceModel(Protocol):
    """A pricing strategy: what a quantity of one feature costs in one period."""

    name: ClassVar[str]
    spec_keys: ClassVar[frozenset[str]]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self: ...

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        """The period's quantity rated. `events` (count, and values when `reads_event_values()`) matters
        only to models that price events too; the others ignore it."""
        ...

    def reads_event_values(self) -> bool:
        """True when rating needs each event's value, not only the rolled-up quantity and count."""
        ...

    def check_aggregation(self, aggregation: Aggregation, *, field: str) -> None:
        """Refuse (InvalidPrice naming the field under the price path `field`) an aggregation this
        model cannot price."""
        ...

    def to_spec(self) -> dict[str, Any]: ...


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class QuantityPriced:
    """For models priced on the period's quantity alone, whatever the events behind it."""

    def reads_event_values(self) -> bool:
        return False

    def check_aggregation(self, aggregation: Aggregation, *, field: str) -> None:
        return None


def _quantity(quantity: object) -> Decimal:
    # A billing run rates every customer's quantities: the usual one (a finite Decimal within the bounds, with
    # no more fractional digits than a price allows) is what non_negative would return unchanged, so it is
    # returned at once; anything else goes through non_negative's checks and their errors.
    if (
        type(quantity) is Decimal
        and quantity.is_finite()
        and ZERO <= quantity < MAX_PRICE_NUMBER
        and quantity.as_tuple().exponent >= -PRICE_PLACES  # type: ignore[operator]  # finite: an int
    ):
        return quantity
    return non_negative(quantity, field="quantity")


def _text(value: Decimal) -> str:
    return format(value, "f")


def _check_amount(value: object, *, field: str) -> None:
    non_negative(exact(value, field=field), field=field)


_TS = TypeVar("_TS", bound="_TierSpec")


class _TierSpec:
    """What every kind of tier shares: (previous up_to, up_to] bounds, a price under `price_key` and an
    optional flat amount, read from and written to the API's spec the same way."""

    price_key: ClassVar[str]
    what: ClassVar[str]
    up_to: Decimal | None
    flat_amount: Decimal

    def __post_init__(self) -> None:
        if self.up_to is not None:
            exact(self.up_to, field="up_to")
        _check_amount(getattr(self, self.price_key), field=self.price_key)
        _check_amount(self.flat_amount, field="flat_amount")

    @classmethod
    def from_spec(cls, raw: object, *, field: str) -> Self:
        spec = mapping(raw, field=field)
        refuse_unknown_keys(spec, frozenset({"up_to", cls.price_key, "flat_amount"}), field=field, what=cls.what)
        up_to = require(spec, "up_to", field=field)
        flat_amount = spec.get("flat_amount")
        price = non_negative(require(spec, cls.price_key, field=field), field=f"{field}.{cls.price_key}")
        return cls(  # type: ignore[call-arg]
            up_to=None if up_to is None else decimal(up_to, field=f"{field}.up_to"),
            flat_amount=ZERO if flat_amount is None else non_negative(flat_amount, field=f"{field}.flat_amount"),
            **{cls.price_key: price},
        )

    def charge(self, index: int, from_: Decimal, units: Decimal) -> TierCharge:
        """What `units` falling in this tier (from `from_` on) cost; each kind of tier prices them its way."""
        raise NotImplementedError

    def to_spec(self) -> dict[str, Any]:
        return {
            "up_to": None if self.up_to is None else _text(self.up_to),
            self.price_key: _text(getattr(self, self.price_key)),
            "flat_amount": _text(self.flat_amount),
        }


@dataclass(frozen=True)
class Tier(_TierSpec):
    """Covers quantities in (previous tier's up_to, up_to]; `up_to=None` is unbounded (last tier only)."""

    up_to: Decimal | None
    unit_amount: Decimal
    flat_amount: Decimal = ZERO

    price_key: ClassVar[str] = "unit_amount"
    what: ClassVar[str] = "a tier"

    def charge(self, index: int, from_: Decimal, units: Decimal) -> TierCharge:
        return TierCharge(
            tier=index,
            from_=from_,
            up_to=self.up_to,
            units=units,
            unit_amount=self.unit_amount,
            flat_amount=self.flat_amount,
            amount=units * self.unit_amount + self.flat_amount,
        )


class _Bounded(Protocol):
    @property
    def up_to(self) -> Decimal | None: ...


def check_tiers(tiers: Sequence[_Bounded], *, field: str) -> None:
    """At least one tier; `up_to` strictly ascending from above 0; only the last tier open-ended."""
    if not tiers:
        raise InvalidPrice(f"{field} must have at least one tier", field=field)
    last = len(tiers) - 1
    previous = ZERO
    for index, tier in enumerate(tiers):
        at = f"{field}[{index}].up_to"
        if tier.up_to is None:
            if index != last:
                raise InvalidPrice(f"{at}: only the last tier may be open-ended (up_to: null)", field=at)
        elif index == last:
            raise InvalidPrice(f"{at}: the last tier must be open-ended (up_to: null)", field=at)
        elif tier.up_to <= previous:
            raise InvalidPrice(f"{at} must be greater than {_text(previous)} (tiers ascend strictly from 0)", field=at)
        else:
            previous = tier.up_to


def _tier_specs(spec: Mapping[str, Any], *, field: str) -> Sequence[Any]:
    raw = require(spec, "tiers", field=field)
    if not isinstance(raw, (list, tuple)):
        raise InvalidPrice(f"{field}.tiers must be a list of tiers", field=f"{field}.tiers")
    return raw


@dataclass(frozen=True)
class PerUnit(QuantityPriced):
    """quantity × unit_amount."""

    unit_amount: Decimal

    name: ClassVar[str] = "per_unit"
    spec_keys: ClassVar[frozenset[str]] = frozenset({"unit_amount"})

    def __post_init__(self) -> None:
        _check_amount(self.unit_amount, field="unit_amount")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        return cls(non_negative(require(spec, "unit_amount", field=field), field=f"{field}.unit_amount"))

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        units = _quantity(quantity)
        if units == ZERO:
            return Rating.of(())
        return Rating.of([Tier(None, self.unit_amount).charge(0, ZERO, units)])

    def to_spec(self) -> dict[str, Any]:
        return {"unit_amount": _text(self.unit_amount)}


def _checked_tiers(price: Any, kind: type[_TierSpec]) -> None:
    """A tiered price's own check: its tiers are `kind`s, ascending, the last one open-ended."""
    object.__setattr__(price, "tiers", tuple(price.tiers))
    for index, tier in enumerate(price.tiers):
        if not isinstance(tier, kind):
            raise InvalidPrice(f"tiers[{index}] must be a {kind.__name__}", field=f"tiers[{index}]")
    check_tiers(price.tiers, field="tiers")


def _tiers_from_spec(kind: type[_TS], spec: Mapping[str, Any], *, field: str) -> tuple[_TS, ...]:
    raw = _tier_specs(spec, field=field)
    tiers = tuple(kind.from_spec(tier, field=f"{field}.tiers[{index}]") for index, tier in enumerate(raw))
    check_tiers(tiers, field=f"{field}.tiers")
    return tiers


def _graduated(tiers: Sequence[Tier] | Sequence[PercentTier], units: Decimal) -> Rating:
    """Each slice of `units` at the price of the tier it falls in, a tier's flat amount once if any unit falls
    in it; the first tier's flat amount is owed at zero too."""
    if units == ZERO:
        return _first_flat_at_zero(tiers[0])
    charges = []
    from_ = ZERO
    for index, tier in enumerate(tiers):
        if units <= from_:
            break
        upper = units if tier.up_to is None else min(units, tier.up_to)
        charges.append(tier.charge(index, from_, upper - from_))
        if tier.up_to is None:
            break
        from_ = tier.up_to
    return Rating.of(charges)


@dataclass(frozen=True)
class _Tiered(QuantityPriced):
    tiers: tuple[Tier, ...]

    spec_keys: ClassVar[frozenset[str]] = frozenset({"tiers"})

    def __post_init__(self) -> None:
        _checked_tiers(self, Tier)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        return cls(_tiers_from_spec(Tier, spec, field=field))

    def to_spec(self) -> dict[str, Any]:
        return {"tiers": [tier.to_spec() for tier in self.tiers]}


@dataclass(frozen=True)
class Graduated(_Tiered):
    """Each unit at the price of the tier it falls in; a tier's flat_amount once if any unit falls in it."""

    name: ClassVar[str] = "graduated"

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        return _graduated(self.tiers, _quantity(quantity))


@dataclass(frozen=True)
class Volume(_Tiered):
    """All units at the first tier whose up_to ≥ quantity, plus that tier's flat_amount; 0 costs 0."""

    name: ClassVar[str] = "volume"

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        units = _quantity(quantity)
        if units == ZERO:
            return _first_flat_at_zero(self.tiers[0])
        from_ = ZERO
        for index, tier in enumerate(self.tiers):
            if tier.up_to is None or units <= tier.up_to:
                return Rating.of([tier.charge(index, from_, units)])
            from_ = tier.up_to
        raise AssertionError("unreachable: the last tier is open-ended")


@dataclass(frozen=True)
class Package(QuantityPriced):
    """ceil((quantity - free_units) / package_size) × package_amount: any started package is charged in
    full; the first `free_units` units cost nothing (Lago: `free_units`; Lago's `amount` is our
    `package_amount`)."""

    package_size: Decimal
    package_amount: Decimal
    free_units: Decimal = ZERO

    name: ClassVar[str] = "package"
    spec_keys: ClassVar[frozenset[str]] = frozenset({"package_size", "package_amount", "free_units"})

    def __post_init__(self) -> None:
        positive(exact(self.package_size, field="package_size"), field="package_size")
        _check_amount(self.package_amount, field="package_amount")
        _check_amount(self.free_units, field="free_units")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        free_units = spec.get("free_units")
        return cls(
            package_size=positive(require(spec, "package_size", field=field), field=f"{field}.package_size"),
            package_amount=non_negative(require(spec, "package_amount", field=field), field=f"{field}.package_amount"),
            free_units=ZERO if free_units is None else non_negative(free_units, field=f"{field}.free_units"),
        )

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        units = _quantity(quantity)
        if units == ZERO:
            return Rating.of(())
        charges: list[Charge] = []
        free = min(units, self.free_units)
        if free != ZERO:
            charges.append(Tier(self.free_units, ZERO).charge(0, ZERO, free))
        paid = units - free
        if paid != ZERO:
            charges.append(
                TierCharge(
                    tier=len(charges),
                    from_=self.free_units,
                    up_to=None,
                    units=paid,
                    unit_amount=self.package_amount,
                    flat_amount=ZERO,
                    amount=package_count(paid, self.package_size) * self.package_amount,
                    package_size=self.package_size,
                )
            )
        return Rating.of(charges)

    def to_spec(self) -> dict[str, Any]:
        spec = {"package_size": _text(self.package_size), "package_amount": _text(self.package_amount)}
        if self.free_units != ZERO:
            spec["free_units"] = _text(self.free_units)
        return spec


def _first_flat_at_zero(first: Tier | PercentTier) -> Rating:
    """At zero usage the first tier's flat fee is still owed (as Lago, Stripe and OpenMeter bill it)."""
    if first.flat_amount == ZERO:
        return Rating.of(())
    return Rating.of([first.charge(0, ZERO, ZERO)])


def _percent(value: Decimal, rate: Decimal) -> Decimal:
    """rate % of value; scaleb keeps the division by 100 exact."""
    return value * rate.scaleb(-2)


def _refuse_latest(aggregation: Aggregation, name: str, *, field: str) -> None:
    if aggregation is Aggregation.LATEST:
        at = _at(field, "aggregation")
        raise InvalidPrice(f"{at}: a {name} price cannot use aggregation latest (as in Lago)", field=at)


@dataclass(frozen=True)
class PercentTier(_TierSpec):
    """A graduated percentage tier: the slice of the value in (previous up_to, up_to] at `rate` percent,
    plus `flat_amount` once when the value reaches the tier."""

    up_to: Decimal | None
    rate: Decimal
    flat_amount: Decimal = ZERO

    price_key: ClassVar[str] = "rate"
    what: ClassVar[str] = "a percentage tier"

    def charge(self, index: int, from_: Decimal, units: Decimal) -> TierCharge:
        return TierCharge(
            tier=index,
            from_=from_,
            up_to=self.up_to,
            units=units,
            unit_amount=self.rate.scaleb(-2),
            flat_amount=self.flat_amount,
            amount=_percent(units, self.rate) + self.flat_amount,
            rate=self.rate,
        )


@dataclass(frozen=True)
class GraduatedPercentage:
    """Each slice of the value at its tier's rate (percent), plus a tier's flat_amount once when the value
    reaches the tier; the first tier's flat_amount is owed at zero too (Lago's graduated_percentage)."""

    tiers: tuple[PercentTier, ...]

    name: ClassVar[str] = "graduated_percentage"
    spec_keys: ClassVar[frozenset[str]] = frozenset({"tiers"})

    def __post_init__(self) -> None:
        _checked_tiers(self, PercentTier)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        return cls(_tiers_from_spec(PercentTier, spec, field=field))

    def reads_event_values(self) -> bool:
        return False

    def check_aggregation(self, aggregation: Aggregation, *, field: str) -> None:
        _refuse_latest(aggregation, self.name, field=field)

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        return _graduated(self.tiers, _quantity(quantity))

    def to_spec(self) -> dict[str, Any]:
        return {"tiers": [tier.to_spec() for tier in self.tiers]}


def _free_events_count(raw: object, *, field: str) -> int:
    value = decimal(raw, field=field)
    if value != value.to_integral_value() or value < 1:
        raise InvalidPrice(f"{field} must be a whole number of events, at least 1, got {raw!r}", field=field)
    return int(value)


def _check_min_max(low: Decimal | None, high: Decimal | None, *, field: str) -> None:
    if low is not None and high is not None and high < low:
        at = _at(field, "per_transaction_max_amount")
        raise InvalidPrice(
            f"{at} must not be lower than per_transaction_min_amount ({_text(high)} < {_text(low)})", field=at
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
        _check_amount(self.percent, field="rate")
        for key in self._DECIMALS:
            value = getattr(self, key)
            if value is not None:
                _check_amount(value, field=key)
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
        _refuse_latest(aggregation, self.name, field=field)
        if aggregation in (Aggregation.SUM, Aggregation.COUNT):
            return
        for key in (
            "free_units_per_events",
            "free_units_per_total_aggregation",
            "per_transaction_min_amount",
            "per_transaction_max_amount",
        ):
            if getattr(self, key) is not None:
                at = _at(field, key)
                raise InvalidPrice(
                    f"{at} needs each event's value: use aggregation sum or count, not {aggregation.value}",
                    field=at,
                )

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        units = _quantity(quantity)
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
                amount=ZERO if free_value > units else _percent(units - free_value, self.percent),
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
            fee = _percent(value, self.percent) + fixed
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
        spec: dict[str, Any] = {"rate": _text(self.percent)}
        if self.fixed_amount is not None:
            spec["fixed_amount"] = _text(self.fixed_amount)
        if self.free_units_per_events is not None:
            spec["free_units_per_events"] = self.free_units_per_events
        for key in self._DECIMALS[1:]:
            value = getattr(self, key)
            if value is not None:
                spec[key] = _text(value)
        return spec
