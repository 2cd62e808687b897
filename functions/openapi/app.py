"""GET /v1/openapi.json — the API's OpenAPI 3.1 document, public.

The document is built from every function's route declaration (billing.http.all_routes) at build time, not
here: `make openapi` writes it beside this module, and tests/handlers/test_openapi.py fails when the shipped
file is not what the routes declare. So this function ships only its own folder and imports no route.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from billing.http.access import PUBLIC, access
from billing.http.app import entrypoint
from billing.http.routes import UNAUTHENTICATED, ApiRouter, resolver_for

DOCUMENT = Path(__file__).with_name("openapi.json")

router = ApiRouter()


@router.get("/v1/openapi.json", security=UNAUTHENTICATED, response_description="The OpenAPI 3.1 document")
@access(PUBLIC)
def openapi() -> dict[str, Any]:
    return shipped_document()


@cache
def shipped_document() -> dict[str, Any]:
    """Read once per container."""
    document: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return document


app = resolver_for(router)
lambda_handler = entrypoint(app)
