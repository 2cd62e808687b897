"""POST /v1/customers/{customer_id}/credits — add prepaid credit in the customer's currency."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import create_resolver, entrypoint, metrics
from billing.http.idempotency import idempotent
from billing.http.schemas import CreditGrantOut, GrantCreditRequest

app = create_resolver()


@app.post("/v1/customers/<customer_id>/credits")
@access(ADMIN)
@idempotent
def grant_credits(customer_id: str, body: GrantCreditRequest) -> tuple[CreditGrantOut, int]:
    grant = bootstrap.services().credits.grant(customer_id, body.amount, description=body.description)
    metrics.add_metric(name="CreditsGranted", unit="Count", value=1)
    return CreditGrantOut.of_grant(grant), 201


lambda_handler = entrypoint(app)
