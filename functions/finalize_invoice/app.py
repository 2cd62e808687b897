"""POST /v1/invoices/{invoice_id}/finalize — freeze a draft and consume the credit it applies (409 if void)."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.invoices import InvoiceOut
from billing.observability import metrics

router = ApiRouter()


@router.post("/v1/invoices/<invoice_id>/finalize")
@access(ADMIN)
def finalize_invoice(invoice_id: str) -> InvoiceOut:
    invoice = bootstrap.services().invoices.finalize(invoice_id)
    metrics.add_metric(name="InvoicesFinalized", unit="Count", value=1)
    return InvoiceOut.of(invoice)


app = resolver_for(router)
lambda_handler = entrypoint(app)
