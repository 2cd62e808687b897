"""POST /v1/plans — create a plan (immutable once created); 400 naming the field of any bad price."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.idempotency import idempotent, request_key
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.plans import CreatePlanRequest, PlanOut
from billing.observability import metrics

router = ApiRouter()


@router.post("/v1/plans", status_code=201)
@access(ADMIN)
@idempotent
def create_plan(body: CreatePlanRequest) -> PlanOut:
    plan = bootstrap.services().plans.create(
        name=body.name,
        currency=body.currency,
        minimum_amount=body.minimum_amount,
        amount=body.amount,
        grace_period_days=body.grace_period_days,
        net_days=body.net_days,
        prices=body.prices,
        request_key=request_key(),
    )
    metrics.add_metric(name="PlansCreated", unit="Count", value=1)
    return PlanOut.of(plan)


app = resolver_for(router)
lambda_handler = entrypoint(app)
