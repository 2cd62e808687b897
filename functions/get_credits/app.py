"""GET /v1/customers/{customer_id}/credits — the prepaid-credit balance and every ledger entry."""

from billing import bootstrap
from billing.http.access import OWN_CUSTOMER, access
from billing.http.app import create_resolver, entrypoint
from billing.http.schemas import CreditsOut

app = create_resolver()


@app.get("/v1/customers/<customer_id>/credits")
@access(OWN_CUSTOMER)
def get_credits(customer_id: str) -> CreditsOut:
    return CreditsOut.of(bootstrap.services().credits.ledger(customer_id))


lambda_handler = entrypoint(app)
