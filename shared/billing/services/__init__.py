"""Use cases. Each service receives the storage port (billing.ports) and a clock; none imports an adapter."""

from billing.services.api_keys import ApiKeyService, NewApiKey
from billing.services.billing import BillingRun, BillingService, FinalizeRun
from billing.services.credits import CreditGrant, CreditLedger, CreditService
from billing.services.customers import CustomerService
from billing.services.ingest import IncomingEvent, IngestService, NewEvent
from billing.services.invoices import InvoiceService
from billing.services.meters import MeterService
from billing.services.plans import PlanService
from billing.services.usage import UsageService, Window

__all__ = [
    "ApiKeyService",
    "BillingRun",
    "BillingService",
    "CreditGrant",
    "CreditLedger",
    "CreditService",
    "CustomerService",
    "FinalizeRun",
    "IncomingEvent",
    "IngestService",
    "InvoiceService",
    "MeterService",
    "NewApiKey",
    "NewEvent",
    "PlanService",
    "UsageService",
    "Window",
]
