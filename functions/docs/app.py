"""GET /v1/docs — Swagger UI for the OpenAPI document (public), from Powertools' `enable_swagger`, which
inlines the Swagger UI assets it ships: the page loads nothing from a CDN. Powertools leaves this page
out of the document itself. This function ships the whole functions/ folder to read every route. The page
is sent with the dashboard's security headers and a policy naming its inline code (billing.http.page_headers)."""

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from billing.http.access import PUBLIC, access
from billing.http.all_routes import combined_resolver, discover_routers
from billing.http.app import Handler, entrypoint
from billing.http.page_headers import html_page_headers

FUNCTIONS = Path(__file__).resolve().parents[1]
DOCS_PATH = "/v1/docs"


def with_page_headers(app: APIGatewayHttpResolver, next_middleware: Callable[..., Response]) -> Response:
    response = next_middleware(app)
    if isinstance(response.body, str) and str(response.headers.get("Content-Type", "")).startswith("text/html"):
        response.headers.update(html_page_headers(response.body))
    return response


@cache
def _handler() -> Handler:
    # Built on the first request, not at import: the routers are read from every function module.
    app = combined_resolver(discover_routers(FUNCTIONS))
    app.enable_swagger(path=DOCS_PATH, middlewares=[with_page_headers])
    return entrypoint(app)


@access(PUBLIC)  # the Swagger UI route is Powertools' own: its policy is declared on the handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _handler()(event, context)
