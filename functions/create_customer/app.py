"""POST /v1/customers — create a customer, optionally on a plan (409 when the email or external_id is taken)."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import create_resolver, entrypoint, metrics
from billing.http.idempotency import idempotent
from billing.http.schemas import CreateCustomerRequest, CustomerOut

app = create_resolver()


@app.post("/v1/customers")
@access(ADMIN)
@idempotent
def create_customer(body: CreateCustomerRequest) -> tuple[CustomerOut, int]:
    customer = bootstrap.services().customers.create(
        name=body.name,
        email=body.email,
        timezone_name=body.timezone,
        plan_id=body.plan_id,
        external_id=body.external_id,
    )
    metrics.add_metric(name="CustomersCreated", unit="Count", value=1)
    return CustomerOut.of(customer), 201


lambda_handler = entrypoint(app)
