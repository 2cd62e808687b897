"""GET /v1/docs — Swagger UI for the OpenAPI document (public), from Powertools' `enable_swagger`, which
inlines the Swagger UI assets it ships: the page loads nothing from a CDN. Powertools leaves this page
out of the document itself. This function ships the whole functions/ folder to read every route."""

from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from billing.http.access import PUBLIC, access
from billing.http.all_routes import combined_resolver, discover_routers
from billing.http.app import Handler, entrypoint

FUNCTIONS = Path(__file__).resolve().parents[1]
DOCS_PATH = "/v1/docs"


@cache
def _handler() -> Handler:
    # Built on the first request, not at import: the routers are read from every function module.
    app = combined_resolver(discover_routers(FUNCTIONS))
    app.enable_swagger(path=DOCS_PATH)
    return entrypoint(app)


@access(PUBLIC)  # the Swagger UI route is Powertools' own: its policy is declared on the handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _handler()(event, context)
