"""POST /v1/customers/{customer_id}/credits — add prepaid credit in the customer's currency."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.idempotency import idempotent, request_key
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.credits import CreditGrantOut, GrantCreditRequest
from billing.observability import metrics

router = ApiRouter()


@router.post("/v1/customers/<customer_id>/credits", status_code=201)
@access(ADMIN)
@idempotent
def grant_credits(customer_id: str, body: GrantCreditRequest) -> CreditGrantOut:
    grant = bootstrap.services().credits.grant(
        customer_id, body.amount, description=body.description, request_key=request_key()
    )
    metrics.add_metric(name="CreditsGranted", unit="Count", value=1)
    return CreditGrantOut.of_grant(grant)


app = resolver_for(router)
lambda_handler = entrypoint(app)
