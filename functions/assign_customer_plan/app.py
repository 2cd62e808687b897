"""PUT /v1/customers/{customer_id}/plan — move a customer to a plan (400 unknown plan, 409 other currency)."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.customers import AssignPlanRequest, CustomerOut

router = ApiRouter()


@router.put("/v1/customers/<customer_id>/plan")
@access(ADMIN)
def assign_customer_plan(customer_id: str, body: AssignPlanRequest) -> CustomerOut:
    return CustomerOut.of(bootstrap.services().customers.assign_plan(customer_id, body.plan_id))


app = resolver_for(router)
lambda_handler = entrypoint(app)
