"""Pricing models as strategies (per_unit, graduated, volume, package, percentage, graduated_percentage)
behind a factory keyed by name.

Pure domain code: Decimal in, unrounded Decimal out. The invoice rounds each line once (billing.domain.money).
"""

from billing.pricing.aggregation import Aggregation, aggregation_named
from billing.pricing.charge_models.base import PriceModel, QuantityPriced
from billing.pricing.charge_models.graduated import Graduated
from billing.pricing.charge_models.graduated_percentage import GraduatedPercentage, PercentTier
from billing.pricing.charge_models.package import Package
from billing.pricing.charge_models.per_unit import PerUnit
from billing.pricing.charge_models.percentage import Percentage
from billing.pricing.charge_models.tiers import Tier
from billing.pricing.charge_models.volume import Volume
from billing.pricing.charges import PeriodEvents, Rating, TierCharge
from billing.pricing.factory import MODELS, Price, price_from_spec
from billing.pricing.plans import Plan, plan_from_spec, plan_to_spec

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
    "aggregation_named",
    "plan_from_spec",
    "plan_to_spec",
    "price_from_spec",
]
