"""PUT /v1/customers/{customer_id}/plan — move a customer to a plan (400 unknown plan, 409 other currency)."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import create_resolver, entrypoint
from billing.http.schemas import AssignPlanRequest, CustomerOut

app = create_resolver()


@app.put("/v1/customers/<customer_id>/plan")
@access(ADMIN)
def assign_customer_plan(customer_id: str, body: AssignPlanRequest) -> CustomerOut:
    return CustomerOut.of(bootstrap.services().customers.assign_plan(customer_id, body.plan_id))


lambda_handler = entrypoint(app)
