"""The composition root: validated settings → storage adapter → services.

Built lazily on first use and cached for the life of the process (a warm Lambda container),
so nothing touches disk or AWS at import time. Tests call `use(...)` to inject their own storage.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from billing.domain.exact import MAX_NET_DAYS
from billing.domain.invoices import DEFAULT_INVOICE_SETTINGS, InvoiceSettings, Issuer
from billing.services.clock import Clock, system_clock

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    from billing.domain.billing_runs import BillingShard, CustomerOutcome
    from billing.ports import Storage
    from billing.queues import BillingQueue
    from billing.services.api_keys import ApiKeyService
    from billing.services.billing import BillingService
    from billing.services.credits import CreditService
    from billing.services.customers import CustomerService
    from billing.services.ingest import IngestService
    from billing.services.invoices import InvoiceService
    from billing.services.meters import MeterService
    from billing.services.plans import PlanService
    from billing.services.previews import PreviewService
    from billing.services.runs import BillingRunService
    from billing.services.usage import UsageService


class SettingsError(RuntimeError):
    """The environment does not describe a usable configuration (a deployment error, not a client's)."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)  # validated on the first request, not at import

    storage_backend: Literal["sqlite", "dynamodb"] = "sqlite"
    billing_db_path: Path | None = None
    sqlite_journal_mode: Literal["WAL", "DELETE"] = "WAL"
    table_name: str | None = None
    aws_endpoint_url: str | None = None  # a local emulator (moto's server); unset on AWS
    queue_url: str | None = None  # the billing queue (SQS); unset: runs bill every customer in-process
    # Invoices as documents: their numbers' prefix, the payment term of plans that set none, the issuer block.
    invoice_number_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")] = "INV"
    invoice_net_days: Annotated[int, Field(ge=0, le=MAX_NET_DAYS)] = 0
    issuer_name: Annotated[str, Field(max_length=200)] = ""
    issuer_address: Annotated[str, Field(max_length=500)] = ""
    issuer_tax_id: Annotated[str, Field(max_length=100)] = ""

    @model_validator(mode="after")
    def _backend_needs_its_settings(self) -> Settings:
        if self.storage_backend == "sqlite" and self.billing_db_path is None:
            raise ValueError("BILLING_DB_PATH must be set when STORAGE_BACKEND is sqlite")
        if self.storage_backend == "dynamodb" and not self.table_name:
            raise ValueError("TABLE_NAME must be set when STORAGE_BACKEND is dynamodb")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        names = (
            "STORAGE_BACKEND",
            "BILLING_DB_PATH",
            "SQLITE_JOURNAL_MODE",
            "TABLE_NAME",
            "AWS_ENDPOINT_URL",
            "QUEUE_URL",
            "INVOICE_NUMBER_PREFIX",
            "INVOICE_NET_DAYS",
            "ISSUER_NAME",
            "ISSUER_ADDRESS",
            "ISSUER_TAX_ID",
        )
        values = {name.lower(): env[name] for name in names if env.get(name)}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise SettingsError(f"invalid billing settings: {error}") from error

    @property
    def invoices(self) -> InvoiceSettings:
        issuer = Issuer(self.issuer_name, self.issuer_address, self.issuer_tax_id)
        return InvoiceSettings(self.invoice_number_prefix, self.invoice_net_days, issuer)


class Services:
    """The services over one storage, each built (and its module imported) on first use: a function loads
    only the services it calls, so its cold start pays for nothing else. Billing runs send their customers
    to `queue`, or bill them in this process when there is none. Finalization numbers, dates and signs
    invoices as `invoice_settings` say."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock = system_clock,
        queue: BillingQueue | None = None,
        invoice_settings: InvoiceSettings = DEFAULT_INVOICE_SETTINGS,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self._queue = queue
        self.invoice_settings = invoice_settings

    @cached_property
    def customers(self) -> CustomerService:
        from billing.services.customers import CustomerService

        return CustomerService(self.storage, self.clock)

    @cached_property
    def ingest(self) -> IngestService:
        from billing.services.ingest import IngestService

        return IngestService(self.storage, self.clock)

    @cached_property
    def usage(self) -> UsageService:
        from billing.services.usage import UsageService

        return UsageService(self.storage, self.customers)

    @cached_property
    def billing(self) -> BillingService:
        from billing.services.billing import BillingService

        return BillingService(self.storage, self.clock, self.invoice_settings)

    @cached_property
    def invoices(self) -> InvoiceService:
        from billing.services.invoices import InvoiceService

        return InvoiceService(self.storage, self.customers, self.clock, self.invoice_settings)

    @cached_property
    def plans(self) -> PlanService:
        from billing.services.plans import PlanService

        return PlanService(self.storage, self.clock)

    @cached_property
    def credits(self) -> CreditService:
        from billing.services.credits import CreditService

        return CreditService(self.storage, self.customers, self.clock)

    @cached_property
    def runs(self) -> BillingRunService:
        from billing.services.runs import BillingRunService

        queue = self._queue
        if queue is None:
            from billing.queues.in_process import InProcessBillingQueue

            def bill_shard(shard: BillingShard) -> list[CustomerOutcome]:
                return self.runs.bill_queued_shard(shard)  # as a queue's worker would: this service, built by then

            queue = InProcessBillingQueue(bill_shard, self.storage.unit_of_work)
        return BillingRunService(self.storage, self.billing, queue, self.clock)

    @cached_property
    def api_keys(self) -> ApiKeyService:
        from billing.services.api_keys import ApiKeyService

        return ApiKeyService(self.storage, self.clock)

    @cached_property
    def meters(self) -> MeterService:
        from billing.services.meters import MeterService

        return MeterService(self.storage, self.clock)

    @cached_property
    def previews(self) -> PreviewService:
        from billing.services.previews import PreviewService

        return PreviewService(self.storage, self.customers, self.clock)

    @cached_property
    def idempotency(self) -> BasePersistenceLayer:
        """Where Idempotency-Key records live: the active backend's store, built on first use (only the
        functions whose routes honour the header load Powertools' idempotency utility)."""
        return idempotency_store_for(self.storage)


def build_services(
    storage: Storage,
    clock: Clock = system_clock,
    queue: BillingQueue | None = None,
    invoice_settings: InvoiceSettings = DEFAULT_INVOICE_SETTINGS,
) -> Services:
    """The services over `storage`; billing runs send their customers to `queue`, or bill them in this
    process when there is none."""
    return Services(storage, clock, queue, invoice_settings)


def open_queue(settings: Settings) -> BillingQueue | None:
    if settings.queue_url is None:
        return None
    from billing.queues.sqs import SqsBillingQueue

    return SqsBillingQueue(settings.queue_url, endpoint_url=settings.aws_endpoint_url)


def open_storage(settings: Settings) -> Storage:
    # Adapters are imported here: only the chosen backend loads (SQLite deployments never import boto3).
    if settings.storage_backend == "dynamodb":
        from billing.adapters.dynamodb import DynamoStorage

        assert settings.table_name is not None  # guaranteed by Settings' validator
        return DynamoStorage(settings.table_name, endpoint_url=settings.aws_endpoint_url)

    from billing.adapters.sqlite import SqliteStorage

    assert settings.billing_db_path is not None  # guaranteed by Settings' validator
    return SqliteStorage(settings.billing_db_path, journal_mode=settings.sqlite_journal_mode)


# Idempotency records share the backend's storage: the SQLite file's idempotency_records table, or the
# DynamoDB single table under partition IDEMPOTENCY (SK = the hashed key; TTL on IdempotencyExpiry).
IDEMPOTENCY_PARTITION = "IDEMPOTENCY"
IDEMPOTENCY_TTL_ATTRIBUTE = "IdempotencyExpiry"


def idempotency_store_for(storage: Storage) -> BasePersistenceLayer:
    from billing.adapters.sqlite import SqliteStorage

    if isinstance(storage, SqliteStorage):
        from billing.adapters.sqlite.idempotency import SqliteIdempotencyStore

        return SqliteIdempotencyStore(storage.db)

    from billing.adapters.dynamodb import DynamoStorage

    if isinstance(storage, DynamoStorage):
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        return DynamoDBPersistenceLayer(
            table_name=storage.table.name,
            key_attr="PK",
            sort_key_attr="SK",
            static_pk_value=IDEMPOTENCY_PARTITION,
            expiry_attr=IDEMPOTENCY_TTL_ATTRIBUTE,
            boto3_client=storage.table.client,
        )
    raise SettingsError(f"no idempotency store for {type(storage).__name__}")


_injected: list[Services] = []  # at most one: the services a test put in place


@cache
def _from_environment() -> Services:
    settings = Settings.from_env()
    return build_services(open_storage(settings), queue=open_queue(settings), invoice_settings=settings.invoices)


def services() -> Services:
    """The process's services: the injected ones in tests, else built from the environment once."""
    return _injected[0] if _injected else _from_environment()


def use(injected: Services | None) -> None:
    """Inject services (tests), or pass None to go back to the environment's (and rebuild them)."""
    _injected.clear()
    if injected is not None:
        _injected.append(injected)
    _from_environment.cache_clear()
