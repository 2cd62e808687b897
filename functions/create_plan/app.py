"""POST /v1/plans — create a plan (immutable once created); 400 naming the field of any bad price."""

from billing import bootstrap
from billing.http.app import create_resolver, entrypoint, metrics
from billing.http.schemas import CreatePlanRequest, PlanOut

app = create_resolver()


@app.post("/v1/plans")
def create_plan(body: CreatePlanRequest) -> tuple[PlanOut, int]:
    plan = bootstrap.services().plans.create(
        name=body.name,
        currency=body.currency,
        minimum_amount=body.minimum_amount,
        amount=body.amount,
        grace_period_days=body.grace_period_days,
        prices=body.prices,
    )
    metrics.add_metric(name="PlansCreated", unit="Count", value=1)
    return PlanOut.of(plan), 201


lambda_handler = entrypoint(app)
