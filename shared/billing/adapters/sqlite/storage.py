"""The storage port over one SQLite file; creates the file's folder and migrates on open."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from billing.adapters.sqlite.api_keys import SqliteApiKeys
from billing.adapters.sqlite.billing_runs import SqliteBillingRuns
from billing.adapters.sqlite.credits import SqliteCredits
from billing.adapters.sqlite.customers import SqliteCustomers
from billing.adapters.sqlite.engine.database import Database
from billing.adapters.sqlite.invoices import SqliteInvoices
from billing.adapters.sqlite.meters import SqliteMeters
from billing.adapters.sqlite.plans import SqlitePlans
from billing.adapters.sqlite.usage import SqliteUsage


class SqliteStorage:
    def __init__(self, path: Path | str, *, journal_mode: str = "WAL") -> None:
        self.db = Database(Path(path), journal_mode=journal_mode)
        self.customers = SqliteCustomers(self.db)
        self.usage = SqliteUsage(self.db)
        self.invoices = SqliteInvoices(self.db)
        self.plans = SqlitePlans(self.db)
        self.credits = SqliteCredits(self.db)
        self.billing_runs = SqliteBillingRuns(self.db)
        self.api_keys = SqliteApiKeys(self.db)
        self.meters = SqliteMeters(self.db)

    def unit_of_work(self) -> AbstractContextManager[None]:
        return self.db.unit_of_work()

    def check(self) -> None:
        self.db.check()

    def close(self) -> None:
        self.db.close()
