"""CORS as an HTTP API with a `CorsConfiguration` does it.

API Gateway answers preflight requests itself (no route, no authorizer, no Lambda
involved), and on other responses it replaces whatever CORS headers the backend
sent with its own, computed from the configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase

from local_gateway.responses import GatewayResponse
from local_gateway.template import CorsConfig

HeaderLookup = Callable[[str], str | None]


def is_preflight(method: str, header: HeaderLookup) -> bool:
    return method == "OPTIONS" and bool(header("origin")) and bool(header("access-control-request-method"))


def preflight_response(cors: CorsConfig, header: HeaderLookup) -> GatewayResponse:
    """204 with the allowed methods and headers; without CORS headers when the origin is not allowed."""
    response = GatewayResponse(204)
    origin = header("origin") or ""
    if not origin_allowed(cors, origin):
        return response
    response.headers += _origin_headers(cors, origin)
    if cors.allow_methods:
        response.headers.append(("access-control-allow-methods", ",".join(cors.allow_methods)))
    if cors.allow_headers:
        response.headers.append(("access-control-allow-headers", ",".join(cors.allow_headers)))
    if cors.max_age is not None:
        response.headers.append(("access-control-max-age", str(cors.max_age)))
    return response


def with_cors_headers(response: GatewayResponse, cors: CorsConfig, header: HeaderLookup) -> GatewayResponse:
    """The response with the backend's CORS headers replaced by the gateway's."""
    response.headers = [(name, value) for name, value in response.headers if not name.startswith("access-control-")]
    origin = header("origin")
    if origin and origin_allowed(cors, origin):
        response.headers += _origin_headers(cors, origin)
        if cors.expose_headers:
            response.headers.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
    return response


def origin_allowed(cors: CorsConfig, origin: str) -> bool:
    # AllowOrigins may hold "*" or a wildcard such as "https://*.example.com".
    return any(fnmatchcase(origin, allowed) for allowed in cors.allow_origins)


def _origin_headers(cors: CorsConfig, origin: str) -> list[tuple[str, str]]:
    # With credentials, browsers refuse "*": echo the origin then.
    allow_any = "*" in cors.allow_origins and not cors.allow_credentials
    headers = [("access-control-allow-origin", "*" if allow_any else origin)]
    if cors.allow_credentials:
        headers.append(("access-control-allow-credentials", "true"))
    return headers
