"""Use cases. Each service receives the storage port (billing.ports) and a clock; none imports an adapter.

The names below are loaded on first use (PEP 562): `from billing.services.usage import ...`, or
`from billing.services import Window`, imports that one service's module, not every service's, so a
Lambda function's cold start pays only for the services it uses.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from billing.services.api_keys import ApiKeyService, NewApiKey
    from billing.services.billing import BillingService, FinalizeRun
    from billing.services.credits import CreditGrant, CreditLedger, CreditService
    from billing.services.customers import CustomerService
    from billing.services.ingest import IngestService, NewEvent
    from billing.services.invoices import InvoiceService
    from billing.services.meters import MeterService
    from billing.services.plans import PlanService
    from billing.services.previews import Estimate, InvoicePreview, PreviewService
    from billing.services.runs import BillingRun
    from billing.services.usage import UsageAggregation, UsageService, Window

_MODULES = {
    "ApiKeyService": "api_keys",
    "NewApiKey": "api_keys",
    "BillingRun": "runs",
    "BillingService": "billing",
    "FinalizeRun": "billing",
    "CreditGrant": "credits",
    "CreditLedger": "credits",
    "CreditService": "credits",
    "CustomerService": "customers",
    "IngestService": "ingest",
    "NewEvent": "ingest",
    "InvoiceService": "invoices",
    "MeterService": "meters",
    "PlanService": "plans",
    "Estimate": "previews",
    "InvoicePreview": "previews",
    "PreviewService": "previews",
    "UsageAggregation": "usage",
    "UsageService": "usage",
    "Window": "usage",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ApiKeyService",
    "BillingRun",
    "BillingService",
    "CreditGrant",
    "CreditLedger",
    "CreditService",
    "CustomerService",
    "Estimate",
    "FinalizeRun",
    "IngestService",
    "InvoicePreview",
    "InvoiceService",
    "MeterService",
    "NewApiKey",
    "NewEvent",
    "PlanService",
    "PreviewService",
    "UsageAggregation",
    "UsageService",
    "Window",
]
