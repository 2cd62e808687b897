"""GET /v1/customers/{customer_id} — one customer, 404 when unknown."""

from billing import bootstrap
from billing.http.access import OWN_CUSTOMER, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.customers import CustomerOut

router = ApiRouter()


@router.get("/v1/customers/<customer_id>")
@access(OWN_CUSTOMER)
def get_customer(customer_id: str) -> CustomerOut:
    return CustomerOut.of(bootstrap.services().customers.get(customer_id))


app = resolver_for(router)
lambda_handler = entrypoint(app)
