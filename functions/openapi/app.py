"""GET /v1/openapi.json — the API's OpenAPI 3.1 document, public, built from every function's route
declaration (billing.http.openapi). This function ships the whole functions/ folder to read them."""

from pathlib import Path
from typing import Any

from billing.http.access import PUBLIC, access
from billing.http.app import entrypoint
from billing.http.openapi import document
from billing.http.routes import UNAUTHENTICATED, ApiRouter, resolver_for

FUNCTIONS = Path(__file__).resolve().parents[1]

router = ApiRouter()


@router.get("/v1/openapi.json", security=UNAUTHENTICATED, response_description="The OpenAPI 3.1 document")
@access(PUBLIC)
def openapi() -> dict[str, Any]:
    return document(FUNCTIONS)


app = resolver_for(router)
lambda_handler = entrypoint(app)
