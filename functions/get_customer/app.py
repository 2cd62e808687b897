"""GET /v1/customers/{customer_id} — one customer, 404 when unknown."""

from billing import bootstrap
from billing.http.access import OWN_CUSTOMER, access
from billing.http.app import create_resolver, entrypoint
from billing.http.schemas import CustomerOut

app = create_resolver()


@app.get("/v1/customers/<customer_id>")
@access(OWN_CUSTOMER)
def get_customer(customer_id: str) -> CustomerOut:
    return CustomerOut.of(bootstrap.services().customers.get(customer_id))


lambda_handler = entrypoint(app)
