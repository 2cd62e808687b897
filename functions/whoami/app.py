"""GET /v1/whoami — the calling key: its id, role (admin | customer) and customer, for the dashboard."""

from billing.http.access import ANY_KEY, access, principal_of
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.api_keys import PrincipalOut

router = ApiRouter()


@router.get("/v1/whoami")
@access(ANY_KEY)
def whoami() -> PrincipalOut:
    principal = principal_of(router)
    assert principal is not None  # ANY_KEY let the request through
    return PrincipalOut.of(principal)


app = resolver_for(router)
lambda_handler = entrypoint(app)
