"""GET /v1/invoices/{invoice_id} — one invoice, 404 when unknown."""

from billing import bootstrap
from billing.http.access import OWN_INVOICE, access
from billing.http.app import create_resolver, entrypoint
from billing.http.schemas import InvoiceOut

app = create_resolver()


@app.get("/v1/invoices/<invoice_id>")
@access(OWN_INVOICE)
def get_invoice(invoice_id: str) -> InvoiceOut:
    return InvoiceOut.of(bootstrap.services().invoices.get(invoice_id))


lambda_handler = entrypoint(app)
