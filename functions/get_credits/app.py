"""GET /v1/customers/{customer_id}/credits — the prepaid-credit balance and every ledger entry."""

from billing import bootstrap
from billing.http.access import OWN_CUSTOMER, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.credits import CreditsOut

router = ApiRouter()


@router.get("/v1/customers/<customer_id>/credits")
@access(OWN_CUSTOMER)
def get_credits(customer_id: str) -> CreditsOut:
    return CreditsOut.of(bootstrap.services().credits.ledger(customer_id))


app = resolver_for(router)
lambda_handler = entrypoint(app)
