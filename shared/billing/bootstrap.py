"""The composition root: validated settings → storage adapter → services.

Built lazily on first use and cached for the life of the process (a warm Lambda container),
so nothing touches disk or AWS at import time. Tests call `use(...)` to inject their own storage.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from billing.adapters.inprocess import InProcessBillingQueue
from billing.ports import Storage
from billing.queues import BillingQueue
from billing.services import (
    ApiKeyService,
    BillingService,
    CreditService,
    CustomerService,
    IngestService,
    InvoiceService,
    MeterService,
    PlanService,
    PreviewService,
    UsageService,
)
from billing.services.clock import Clock, system_clock
from billing.services.runs import BillingRunService

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer


class SettingsError(RuntimeError):
    """The environment does not describe a usable configuration (a deployment error, not a client's)."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    storage_backend: Literal["sqlite", "dynamodb"] = "sqlite"
    billing_db_path: Path | None = None
    sqlite_journal_mode: Literal["WAL", "DELETE"] = "WAL"
    table_name: str | None = None
    aws_endpoint_url: str | None = None  # a local emulator (moto's server); unset on AWS
    queue_url: str | None = None  # the billing queue (SQS); unset: runs bill every customer in-process

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
        )
        values = {name.lower(): env[name] for name in names if env.get(name)}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise SettingsError(f"invalid billing settings: {error}") from error


@dataclass(frozen=True)
class Services:
    storage: Storage
    customers: CustomerService
    ingest: IngestService
    usage: UsageService
    billing: BillingService
    invoices: InvoiceService
    plans: PlanService
    credits: CreditService
    runs: BillingRunService
    api_keys: ApiKeyService
    meters: MeterService
    previews: PreviewService

    @cached_property
    def idempotency(self) -> BasePersistenceLayer:
        """Where Idempotency-Key records live: the active backend's store, built on first use (only the
        functions whose routes honour the header load Powertools' idempotency utility)."""
        return idempotency_store_for(self.storage)


def build_services(storage: Storage, clock: Clock = system_clock, queue: BillingQueue | None = None) -> Services:
    """The services over `storage`; billing runs send their customers to `queue`, or bill them in this
    process when there is none."""
    customers = CustomerService(storage, clock)
    billing = BillingService(storage, clock)
    return Services(
        storage=storage,
        customers=customers,
        ingest=IngestService(storage, clock),
        usage=UsageService(storage, customers),
        billing=billing,
        invoices=InvoiceService(storage, customers, clock),
        plans=PlanService(storage, clock),
        credits=CreditService(storage, customers, clock),
        runs=BillingRunService(storage, billing, queue or InProcessBillingQueue(billing.bill_queued_shard), clock),
        api_keys=ApiKeyService(storage, clock),
        meters=MeterService(storage, clock),
        previews=PreviewService(storage, customers, clock),
    )


def open_queue(settings: Settings) -> BillingQueue | None:
    if settings.queue_url is None:
        return None
    from billing.adapters.sqs import SqsBillingQueue

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
    return build_services(open_storage(settings), queue=open_queue(settings))


def services() -> Services:
    """The process's services: the injected ones in tests, else built from the environment once."""
    return _injected[0] if _injected else _from_environment()


def use(injected: Services | None) -> None:
    """Inject services (tests), or pass None to go back to the environment's (and rebuild them)."""
    _injected.clear()
    if injected is not None:
        _injected.append(injected)
    _from_environment.cache_clear()
