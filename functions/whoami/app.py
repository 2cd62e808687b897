"""GET /v1/whoami — the calling key: its id, role (admin | customer) and customer, for the dashboard."""

from billing.http.access import ANY_KEY, access, principal_of
from billing.http.api_key_schemas import PrincipalOut
from billing.http.app import create_resolver, entrypoint

app = create_resolver()


@app.get("/v1/whoami")
@access(ANY_KEY)
def whoami() -> PrincipalOut:
    principal = principal_of(app)
    assert principal is not None  # ANY_KEY let the request through
    return PrincipalOut.of(principal)


lambda_handler = entrypoint(app)
