"""GET /v1/plans/{plan_id} — one plan, 404 when unknown."""

from billing import bootstrap
from billing.http.access import OWN_PLAN, access
from billing.http.app import create_resolver, entrypoint
from billing.http.schemas import PlanOut

app = create_resolver()


@app.get("/v1/plans/<plan_id>")
@access(OWN_PLAN)
def get_plan(plan_id: str) -> PlanOut:
    return PlanOut.of(bootstrap.services().plans.get(plan_id))


lambda_handler = entrypoint(app)
