"""Bodies of the usage route. It writes its items as JSON values (billing.http.routes.json_reply), what these
models dump: a series holds up to 10,000 points, and building and dumping a model per point cost more than
reading them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from billing.http.schemas.base import ResponseModel
from billing.http.schemas.fields import decimal_text

if TYPE_CHECKING:
    from billing.domain.usage import FeatureUsage, UsagePoint
    from billing.services.usage import BilledUsage, BilledUsagePoint


class UsageOut(ResponseModel):
    feature: str
    quantity: str

    @staticmethod
    def document_of(usage: FeatureUsage) -> dict[str, str]:
        return {"feature": usage.feature, "quantity": decimal_text(usage.quantity)}


class UsagePointOut(ResponseModel):
    feature: str
    window_start: str
    quantity: str

    @staticmethod
    def document_of(point: UsagePoint) -> dict[str, str]:
        return {
            "feature": point.feature,
            "window_start": point.window_start.isoformat(),
            "quantity": decimal_text(point.quantity),
        }


AggregationName = Literal["sum", "count", "max", "latest", "unique_count"]  # billing.pricing.Aggregation's values


class BilledUsageOut(ResponseModel):
    """A feature's quantity aggregated as the customer's plan bills it (`aggregation=billed`)."""

    feature: str
    quantity: str
    aggregation: AggregationName
    property: str | None = None  # unique_count only: the property whose distinct values are counted

    @staticmethod
    def document_of(usage: BilledUsage) -> dict[str, str]:
        return _billed_document({"feature": usage.feature, "quantity": decimal_text(usage.quantity)}, usage)


class BilledUsagePointOut(ResponseModel):
    """A feature's quantity in one window, aggregated as the customer's plan bills it (`aggregation=billed`)."""

    feature: str
    window_start: str
    quantity: str
    aggregation: AggregationName
    property: str | None = None

    @staticmethod
    def document_of(point: BilledUsagePoint) -> dict[str, str]:
        document = {
            "feature": point.feature,
            "window_start": point.window_start.isoformat(),
            "quantity": decimal_text(point.quantity),
        }
        return _billed_document(document, point)


def _billed_document(document: dict[str, str], usage: BilledUsage | BilledUsagePoint) -> dict[str, str]:
    document["aggregation"] = usage.aggregation.value
    if usage.property is not None:
        document["property"] = usage.property
    return document
