"""POST /v1/customers/{customer_id}/estimate — a period's usage rated under another plan (stored, or inline as
POST /v1/plans takes it), side by side with the customer's own plan; nothing is written."""

from billing import bootstrap
from billing.domain.time import BillingPeriod
from billing.http.access import OWN_CUSTOMER, access, principal_of
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.invoices import EstimateOut, EstimateRequest

router = ApiRouter()


@router.post("/v1/customers/<customer_id>/estimate")
@access(OWN_CUSTOMER)
def estimate_invoice(customer_id: str, body: EstimateRequest) -> EstimateOut:
    principal = principal_of(router)
    estimate = bootstrap.services().previews.estimate(
        customer_id,
        BillingPeriod.parse(body.period) if body.period else None,
        plan_id=body.plan_id,
        plan_spec=None if body.plan is None else body.plan.model_dump(),
        own_plan_only=principal is None or not principal.is_admin,  # a customer key compares with its own plan only
    )
    return EstimateOut.of(estimate)


app = resolver_for(router)
lambda_handler = entrypoint(app)
