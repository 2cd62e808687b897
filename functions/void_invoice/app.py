"""POST /v1/invoices/{invoice_id}/void — void a finalized invoice, restoring its credit (409 for a draft)."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import create_resolver, entrypoint, metrics
from billing.http.schemas import InvoiceOut

app = create_resolver()


@app.post("/v1/invoices/<invoice_id>/void")
@access(ADMIN)
def void_invoice(invoice_id: str) -> InvoiceOut:
    invoice = bootstrap.services().invoices.void(invoice_id)
    metrics.add_metric(name="InvoicesVoided", unit="Count", value=1)
    return InvoiceOut.of(invoice)


lambda_handler = entrypoint(app)
