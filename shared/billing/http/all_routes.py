"""Every function's route in one resolver: what the API's one OpenAPI 3.1 document and the docs page show.

Each function module (functions/<name>/app.py) declares its route on an `ApiRouter` named `router`
(billing.http.routes). `combined_resolver(discover_routers(functions/))` imports every module's `router` and
includes them all in one resolver built just for the document: a route added the usual way is in the
document with nothing else to do, and tests/handlers/test_openapi.py proves the document's operations are
exactly template.yaml's routes.

Importing every route takes a second, so the `openapi` function does not: it serves the document written at
build time into its folder (`make openapi`, tools/openapi.py; a test fails when the shipped file is not what
the routes declare). The `docs` function ships the whole functions/ folder and builds its Swagger UI page
from the routes at its first request.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from billing.http.routes import BEARER, ApiRouter

TITLE = "Usage billing API"
VERSION = "1.0.0"
OPENAPI_VERSION = "3.1.0"
DESCRIPTION = (
    "Usage events in, invoices out. Every route needs `Authorization: Bearer <key>` except the public ones. "
    "Quantities and money are decimal strings (JSON numbers are read exactly). Bounds: see the README."
)


def discover_routers(functions_dir: Path) -> list[ApiRouter]:
    """The `router` of every functions/<name>/app.py that declares one, in folder order.

    Modules are loaded from their files under names of their own, so the result does not depend on
    sys.path (in Lambda the folder is /var/task, locally functions/).
    """
    routers = []
    for app_file in sorted(functions_dir.glob("*/app.py")):
        name = f"billing_openapi_route_{app_file.parent.name}"
        module = sys.modules.get(name) or _load(name, app_file)
        router = getattr(module, "router", None)
        if isinstance(router, ApiRouter):
            routers.append(router)
    return routers


def _load(name: str, file: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves the module's models through sys.modules
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def combined_resolver(routers: Iterable[ApiRouter]) -> APIGatewayHttpResolver:
    """One resolver holding every route, for the document and the Swagger UI only (it serves no route of
    the API itself). Without validation: Powertools would then document a 422 that our error map never
    sends (invalid input is a 400 naming the field, declared on every route by ApiRouter)."""
    # Powertools' OpenAPI models load with the document, not with the docs function's cold start.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    app = APIGatewayHttpResolver(enable_validation=False)
    for router in routers:
        app.include_router(router)
    app.configure_openapi(
        title=TITLE,
        version=VERSION,
        openapi_version=OPENAPI_VERSION,
        description=DESCRIPTION,
        security_schemes={BEARER: HTTPBearer(description="An API key: `Authorization: Bearer <key>`")},
    )
    return app
