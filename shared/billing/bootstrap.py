"""The composition root: validated settings → storage adapter → services.

Built lazily on first use and cached for the life of the process (a warm Lambda container),
so nothing touches disk or AWS at import time. Tests call `use(...)` to inject their own storage.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from billing.ports import Storage
from billing.services import (
    BillingService,
    CreditService,
    CustomerService,
    IngestService,
    InvoiceService,
    MeterService,
    PlanService,
    UsageService,
)
from billing.services.clock import Clock, system_clock


class SettingsError(RuntimeError):
    """The environment does not describe a usable configuration (a deployment error, not a client's)."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    storage_backend: Literal["sqlite"] = "sqlite"
    billing_db_path: Path | None = None
    sqlite_journal_mode: Literal["WAL", "DELETE"] = "WAL"

    @model_validator(mode="after")
    def _backend_needs_its_settings(self) -> Settings:
        if self.storage_backend == "sqlite" and self.billing_db_path is None:
            raise ValueError("BILLING_DB_PATH must be set when STORAGE_BACKEND is sqlite")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        names = ("STORAGE_BACKEND", "BILLING_DB_PATH", "SQLITE_JOURNAL_MODE")
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
    meters: MeterService


def build_services(storage: Storage, clock: Clock = system_clock) -> Services:
    customers = CustomerService(storage, clock)
    return Services(
        storage=storage,
        customers=customers,
        ingest=IngestService(storage, clock),
        usage=UsageService(storage, customers),
        billing=BillingService(storage, clock),
        invoices=InvoiceService(storage, customers, clock),
        plans=PlanService(storage, clock),
        credits=CreditService(storage, customers, clock),
        meters=MeterService(storage, clock),
    )


def open_storage(settings: Settings) -> Storage:
    from billing.adapters.sqlite import SqliteStorage  # imported here: only the chosen backend loads

    assert settings.billing_db_path is not None  # guaranteed by Settings' validator
    return SqliteStorage(settings.billing_db_path, journal_mode=settings.sqlite_journal_mode)


_injected: list[Services] = []  # at most one: the services a test put in place


@cache
def _from_environment() -> Services:
    return build_services(open_storage(Settings.from_env()))


def services() -> Services:
    """The process's services: the injected ones in tests, else built from the environment once."""
    return _injected[0] if _injected else _from_environment()


def use(injected: Services | None) -> None:
    """Inject services (tests), or pass None to go back to the environment's (and rebuild them)."""
    _injected.clear()
    if injected is not None:
        _injected.append(injected)
    _from_environment.cache_clear()
