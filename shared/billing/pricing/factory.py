"""A plan's price for one feature, built from the API's JSON spec by model name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from billing.domain.errors import InvalidPrice
from billing.pricing.aggregation import Aggregation, aggregation_named
from billing.pricing.charge_models.base import PriceModel
from billing.pricing.charge_models.graduated import Graduated
from billing.pricing.charge_models.graduated_percentage import GraduatedPercentage
from billing.pricing.charge_models.package import Package
from billing.pricing.charge_models.per_unit import PerUnit
from billing.pricing.charge_models.percentage import Percentage
from billing.pricing.charge_models.volume import Volume
from billing.pricing.charges import PeriodEvents, Rating
from billing.pricing.fields import mapping, refuse_unknown_keys, require

if TYPE_CHECKING:  # in signatures only: pricing does not load the usage module
    from billing.domain.usage import UsageAggregate

# Adding a pricing model: write its strategy class (a module of billing.pricing.charge_models) and list it here.
MODELS: Mapping[str, type[PriceModel]] = {
    model.name: model for model in (PerUnit, Graduated, Volume, Package, Percentage, GraduatedPercentage)
}
_ONE = Decimal(1)

_PRICE_KEYS = frozenset({"feature", "model", "aggregation", "property"})


@dataclass(frozen=True)
class Price:
    """How one feature is aggregated over a period and what that quantity costs."""

    feature: str
    model: PriceModel
    aggregation: Aggregation = Aggregation.SUM
    property: str | None = None

    def __post_init__(self) -> None:
        _check_feature(self.feature, field="feature")
        object.__setattr__(self, "aggregation", aggregation_named(self.aggregation))
        _check_property(self.aggregation, self.property, field="property")
        self.model.check_aggregation(self.aggregation, field="")

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        """The period's quantity rated; `events` as `PriceModel.rate` says (with aggregation count, every
        event's value is 1, so the values need not be read)."""
        if events is not None and events.values is None and self.aggregation is Aggregation.COUNT:
            events = PeriodEvents(events.count, (_ONE,) * events.count if self.model.reads_event_values() else None)
        return self.model.rate(quantity, events)

    def quantity_of(self, aggregate: UsageAggregate, unique_count: Callable[[Price], Decimal] | None) -> Decimal:
        """The period's quantity of the feature as this price aggregates it, from its rolled-up `aggregate`;
        `unique_count(price)` counts the distinct values of its property (rollups cannot)."""
        match self.aggregation:
            case Aggregation.SUM:
                return aggregate.sum
            case Aggregation.COUNT:
                return Decimal(aggregate.count)
            case Aggregation.MAX:
                return aggregate.max
            case Aggregation.LATEST:
                return aggregate.latest_quantity
            case Aggregation.UNIQUE_COUNT:
                if unique_count is None:
                    raise ValueError(f"{self.feature} is counted by unique {self.property}: pass unique_count")
                return unique_count(self)

    def reads_event_values(self) -> bool:
        """True when rating needs each event's value, which rollups do not keep: the composer then reads
        the period's raw events of this feature (only for such prices)."""
        return self.aggregation is Aggregation.SUM and self.model.reads_event_values()

    def to_spec(self) -> dict[str, Any]:
        """The canonical JSON-able spec (decimals as strings); `price_from_spec` reads it back equal."""
        spec: dict[str, Any] = {
            "feature": self.feature,
            "model": self.model.name,
            "aggregation": self.aggregation.value,
        }
        if self.property is not None:
            spec["property"] = self.property
        spec.update(self.model.to_spec())
        return spec


def price_from_spec(spec: Mapping[str, Any], *, field: str = "prices[0]") -> Price:
    """Validate one price spec; every InvalidPrice names the exact path, e.g. `prices[1].tiers[2].up_to`."""
    spec = mapping(spec, field=field)
    model = _model_named(spec.get("model"), field=f"{field}.model")
    feature = _check_feature(require(spec, "feature", field=field), field=f"{field}.feature")
    raw_aggregation = spec.get("aggregation")
    aggregation = (
        Aggregation.SUM if raw_aggregation is None else aggregation_named(raw_aggregation, field=f"{field}.aggregation")
    )
    property_ = _check_property(aggregation, spec.get("property"), field=f"{field}.property")
    refuse_unknown_keys(spec, _PRICE_KEYS | model.spec_keys, field=field, what=f"a {model.name} price")
    priced = model.from_spec(spec, field=field)
    priced.check_aggregation(aggregation, field=field)
    return Price(feature, priced, aggregation, property_)


def _model_named(raw: object, *, field: str) -> type[PriceModel]:
    if isinstance(raw, str) and raw in MODELS:
        return MODELS[raw]
    known = ", ".join(sorted(MODELS))
    if raw is None:
        raise InvalidPrice(f"{field} is required (one of {known})", field=field)
    raise InvalidPrice(f"{field}: unknown pricing model {raw!r} (known: {known})", field=field)


def _check_feature(raw: object, *, field: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPrice(f"{field} must be a non-empty string", field=field)
    return raw


def _check_property(aggregation: Aggregation, raw: object, *, field: str) -> str | None:
    if aggregation is Aggregation.UNIQUE_COUNT:
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidPrice(
                f"{field} is required with aggregation unique_count (the event property to count)", field=field
            )
        return raw
    if raw is not None:
        raise InvalidPrice(
            f"{field} is only allowed with aggregation unique_count, not {aggregation.value}", field=field
        )
    return None
