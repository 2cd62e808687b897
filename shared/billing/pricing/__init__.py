"""Pricing models as strategies (per_unit, graduated, volume, package, percentage, graduated_percentage)
behind a factory keyed by name.

Pure domain code: Decimal in, unrounded Decimal out. The invoice rounds each line once (billing.domain.money).
"""

from billing.pricing.aggregation import Aggregation, aggregate, aggregation_named
from billing.pricing.factory import MODELS, Price, price_from_spec
from billing.pricing.models import (
    Graduated,
    GraduatedPercentage,
    Package,
    Percentage,
    PercentTier,
    PerUnit,
    PriceModel,
    QuantityPriced,
    Tier,
    Volume,
)
from billing.pricing.plans import Plan, plan_from_spec, plan_to_spec
from billing.pricing.rating import PeriodEvents, Rating, TierCharge

__all__ = [
    "MODELS",
    "Aggregation",
    "Graduated",
    "GraduatedPercentage",
    "Package",
    "PerUnit",
    "PercentTier",
    "Percentage",
    "PeriodEvents",
    "Plan",
    "Price",
    "PriceModel",
    "QuantityPriced",
    "Rating",
    "Tier",
    "TierCharge",
    "Volume",
    "aggregate",
    "aggregation_named",
    "plan_from_spec",
    "plan_to_spec",
    "price_from_spec",
]
