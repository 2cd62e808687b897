"""POST /v1/invoices/{invoice_id}/void — void a finalized invoice, restoring its credit (409 for a draft)."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.invoices import InvoiceOut
from billing.observability import metrics

router = ApiRouter()


@router.post("/v1/invoices/<invoice_id>/void")
@access(ADMIN)
def void_invoice(invoice_id: str) -> InvoiceOut:
    invoice = bootstrap.services().invoices.void(invoice_id)
    metrics.add_metric(name="InvoicesVoided", unit="Count", value=1)
    return InvoiceOut.of(invoice)


app = resolver_for(router)
lambda_handler = entrypoint(app)
