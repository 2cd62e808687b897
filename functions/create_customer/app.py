"""POST /v1/customers — create a customer, optionally on a plan (409 when the email or external_id is taken)."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.idempotency import idempotent, request_key
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.customers import CreateCustomerRequest, CustomerOut
from billing.observability import metrics

router = ApiRouter()


@router.post("/v1/customers", status_code=201)
@access(ADMIN)
@idempotent
def create_customer(body: CreateCustomerRequest) -> CustomerOut:
    customer = bootstrap.services().customers.create(
        name=body.name,
        email=body.email,
        timezone_name=body.timezone,
        plan_id=body.plan_id,
        external_id=body.external_id,
        request_key=request_key(),
    )
    metrics.add_metric(name="CustomersCreated", unit="Count", value=1)
    return CustomerOut.of(customer)


app = resolver_for(router)
lambda_handler = entrypoint(app)
