"""GET /v1/invoices/{invoice_id} — one invoice, 404 when unknown."""

from billing import bootstrap
from billing.http.access import OWN_INVOICE, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.invoices import InvoiceOut

router = ApiRouter()


@router.get("/v1/invoices/<invoice_id>")
@access(OWN_INVOICE)
def get_invoice(invoice_id: str) -> InvoiceOut:
    return InvoiceOut.of(bootstrap.services().invoices.get(invoice_id))


app = resolver_for(router)
lambda_handler = entrypoint(app)
