"""Reading invoices."""

from __future__ import annotations

from billing.domain.errors import InvoiceNotFound
from billing.domain.invoices import Invoice
from billing.ports import Storage
from billing.services.customers import CustomerService


class InvoiceService:
    def __init__(self, storage: Storage, customers: CustomerService) -> None:
        self._storage = storage
        self._customers = customers

    def get(self, invoice_id: str) -> Invoice:
        invoice = self._storage.invoices.get(invoice_id)
        if invoice is None:
            raise InvoiceNotFound(invoice_id)
        return invoice

    def for_customer(self, customer_id: str) -> list[Invoice]:
        self._customers.get(customer_id)  # 404 for an unknown customer, not an empty list
        return self._storage.invoices.list_for_customer(customer_id)
