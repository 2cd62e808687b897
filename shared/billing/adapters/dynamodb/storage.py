"""The DynamoDB implementation of the storage port (billing.ports), over one table."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from billing.adapters.dynamodb.api_keys import DynamoApiKeys
from billing.adapters.dynamodb.billing_runs import DynamoBillingRuns
from billing.adapters.dynamodb.credits import DynamoCredits
from billing.adapters.dynamodb.customers import DynamoCustomers
from billing.adapters.dynamodb.invoices import DynamoInvoices
from billing.adapters.dynamodb.item_keys import key
from billing.adapters.dynamodb.meters import DynamoMeters
from billing.adapters.dynamodb.plans import DynamoPlans
from billing.adapters.dynamodb.table.capacity import CapacityCounter
from billing.adapters.dynamodb.table.client import ClientSettings, Table
from billing.adapters.dynamodb.usage import DynamoUsage


class DynamoStorage:
    """Every repository over the table `table_name`. Nothing touches AWS until the first request: the
    client is built then (retries in botocore's standard mode, short timeouts) unless one is given."""

    def __init__(
        self,
        table_name: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        max_attempts: int = 5,
        retry_mode: str = "standard",
        client: Any = None,
    ) -> None:
        settings = ClientSettings(
            region=region, endpoint_url=endpoint_url, max_attempts=max_attempts, retry_mode=retry_mode
        )
        self.table = Table(table_name, settings)
        if client is not None:  # a client of the caller's (tests and the bench share one)
            self.table.client = client
        self.customers = DynamoCustomers(self.table)
        self.usage = DynamoUsage(self.table)
        self.invoices = DynamoInvoices(self.table)
        self.plans = DynamoPlans(self.table)
        self.credits = DynamoCredits(self.table)
        self.billing_runs = DynamoBillingRuns(self.table)
        self.api_keys = DynamoApiKeys(self.table)
        self.meters = DynamoMeters(self.table)

    @property
    def capacity(self) -> CapacityCounter:
        """Requests and capacity units this adapter has used (bench, docs/storage-dynamodb.md)."""
        return self.table.capacity

    def unit_of_work(self) -> AbstractContextManager[None]:
        """Each write is its own request (and transaction) already: nothing to group."""
        return nullcontext()

    def check(self) -> None:
        """One strongly consistent GetItem of a key that never exists: StorageUnavailable if it fails."""
        self.table.get(key("HEALTH", "CHECK"))

    def close(self) -> None:
        """Nothing to release (the client's pool closes with the process); here for symmetry with SQLite."""
