"""GET /v1/customers/{customer_id}/upcoming-invoice — the current period's invoice as it stands now, stored nowhere."""

from billing import bootstrap
from billing.http.access import OWN_CUSTOMER, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.invoices import InvoicePreviewOut

router = ApiRouter()


@router.get("/v1/customers/<customer_id>/upcoming-invoice")
@access(OWN_CUSTOMER)
def get_upcoming_invoice(customer_id: str) -> InvoicePreviewOut:
    return InvoicePreviewOut.of(bootstrap.services().previews.upcoming(customer_id))


app = resolver_for(router)
lambda_handler = entrypoint(app)
