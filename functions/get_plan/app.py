"""GET /v1/plans/{plan_id} — one plan, 404 when unknown."""

from billing import bootstrap
from billing.http.access import OWN_PLAN, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.plans import PlanOut

router = ApiRouter()


@router.get("/v1/plans/<plan_id>")
@access(OWN_PLAN)
def get_plan(plan_id: str) -> PlanOut:
    return PlanOut.of(bootstrap.services().plans.get(plan_id))


app = resolver_for(router)
lambda_handler = entrypoint(app)
