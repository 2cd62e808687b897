"""GET /v1/customers/{customer_id}/invoices — a customer's invoices with line items, newest first."""

from billing import bootstrap
from billing.http.access import OWN_CUSTOMER, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.invoices import InvoiceOut

router = ApiRouter()


@router.get("/v1/customers/<customer_id>/invoices")
@access(OWN_CUSTOMER)
def list_customer_invoices(customer_id: str) -> list[InvoiceOut]:
    return [InvoiceOut.of(invoice) for invoice in bootstrap.services().invoices.for_customer(customer_id)]


app = resolver_for(router)
lambda_handler = entrypoint(app)
