"""The local gateway: an HTTP server that behaves like the template's HTTP API.

`Gateway` holds the behaviour (CORS, routing, authorizer, invocation, static files)
and knows nothing of sockets; `LocalGateway` serves it over HTTP on a background
thread:

    with LocalGateway("template.yaml", static_dir="frontend/dist") as gateway:
        urllib.request.urlopen(gateway.url + "/v1/health")
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from local_gateway.cors import is_preflight, preflight_response, with_cors_headers
from local_gateway.events import authorizer_event, http_event
from local_gateway.responses import (
    GatewayResponse,
    forbidden,
    from_lambda_reply,
    internal_server_error,
    not_found,
    unauthorized,
)
from local_gateway.routing import RouteMatch, Router
from local_gateway.runtime import FunctionRuntime
from local_gateway.static import StaticFiles
from local_gateway.template import Authorizer, CorsConfig, GatewayTemplate, load_template
from local_gateway.transport import (
    DEFAULT_LIMITS,
    HOP_BY_HOP,
    GatewayHTTPServer,
    IncomingRequest,
    Limits,
    log_error,
)


@dataclass(frozen=True)
class GatewayRequest:
    method: str
    raw_path: str  # still percent-encoded, as the client sent it
    raw_query: str
    headers: list[tuple[str, str]]  # as received, repeats kept
    body: bytes | None
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name), None)


@dataclass(frozen=True)
class Allowed:
    """The authorizer let the request through, with this context for the handler."""

    context: dict[str, Any] | None


class Gateway:
    """What API Gateway does with one request, without the HTTP transport."""

    def __init__(self, template: GatewayTemplate, static_dir: Path | str | None = None) -> None:
        self.template = template
        self.router = Router(template.routes)
        self.runtime = FunctionRuntime(template.functions)
        self.static = StaticFiles(static_dir) if static_dir is not None else None

    def handle(self, request: GatewayRequest) -> GatewayResponse:
        match = self.router.match(request.method, request.raw_path)
        cors = self._cors(match)
        if cors and is_preflight(request.method, request.header):
            return preflight_response(cors, request.header)
        if match is None:
            return self._unrouted(request, cors)
        response = self._serve_route(match, request)
        return with_cors_headers(response, cors, request.header) if cors else response

    def _cors(self, match: RouteMatch | None) -> CorsConfig | None:
        # A preflight (OPTIONS) rarely matches a route: use the first API's CORS then.
        if match is not None:
            return self.template.apis[match.route.api_id].cors
        return next((api.cors for api in self.template.apis.values() if api.cors), None)

    def _unrouted(self, request: GatewayRequest, cors: CorsConfig | None) -> GatewayResponse:
        if self.static is not None and request.method in ("GET", "HEAD"):
            return self.static.serve(request.raw_path)
        response = not_found()
        return with_cors_headers(response, cors, request.header) if cors else response

    def _serve_route(self, match: RouteMatch, request: GatewayRequest) -> GatewayResponse:
        request_id = str(uuid.uuid4())  # one id for the authorizer and the integration, as in AWS
        authorizer = self.template.authorizer_for(match.route)
        context = None
        if authorizer is not None:
            outcome = self._authorize(authorizer, match, request, request_id)
            if isinstance(outcome, GatewayResponse):
                return outcome
            context = outcome.context
        event = http_event(
            request.method,
            request.raw_path,
            route_key=match.route.route_key,
            body=request.body,
            headers=request.headers,
            query=request.raw_query,
            path_parameters=match.path_parameters,
            authorizer_context=context,
            source_ip=request.source_ip,
            request_id=request_id,
        )
        try:
            response = from_lambda_reply(self.runtime.invoke(match.route.function_id, event))
        except Exception:  # whatever a handler does wrong, API Gateway answers 500
            log_error(f"{match.route.function_id} failed on {match.route.route_key}", exception=True)
            return internal_server_error()
        response.headers.append(("apigw-requestid", request_id))
        return response

    def _authorize(
        self, authorizer: Authorizer, match: RouteMatch, request: GatewayRequest, request_id: str
    ) -> GatewayResponse | Allowed:
        event = authorizer_event(
            request.method,
            request.raw_path,
            route_key=match.route.route_key,
            headers=request.headers,
            query=request.raw_query,
            path_parameters=match.path_parameters,
            identity_headers=authorizer.identity_headers,
            identity_query_strings=authorizer.identity_query_strings,
            source_ip=request.source_ip,
            request_id=request_id,
        )
        expected = len(authorizer.identity_headers) + len(authorizer.identity_query_strings)
        if len(event["identitySource"]) < expected:
            return unauthorized()  # API Gateway does not even call the authorizer
        try:
            reply = self.runtime.invoke(authorizer.function_id, event)
        except Exception:  # an authorizer failure is a 500, as in AWS
            log_error(f"authorizer {authorizer.name} ({authorizer.function_id}) failed", exception=True)
            return internal_server_error()
        return _authorizer_verdict(authorizer, reply)


def _authorizer_verdict(authorizer: Authorizer, reply: Any) -> GatewayResponse | Allowed:
    """Read a simple response: `{"isAuthorized": bool, "context": {...}}`."""
    is_authorized = reply.get("isAuthorized") if isinstance(reply, dict) else None
    context = reply.get("context") if isinstance(reply, dict) else None
    if not isinstance(is_authorized, bool) or not isinstance(context, dict | None):
        log_error(f"authorizer {authorizer.name} returned {reply!r}, not a simple response: 500")
        return internal_server_error()
    return Allowed(context) if is_authorized else forbidden()


# ---------------------------------------------------------------------------
# HTTP transport (local_gateway.transport reads and writes the wire)
# ---------------------------------------------------------------------------


def gateway_request(incoming: IncomingRequest) -> GatewayRequest:
    """What the gateway sees of a request: hop-by-hop headers dropped, API Gateway's forwarding headers added."""
    raw_path, _, raw_query = incoming.target.partition("?")
    received = [(name, value) for name, value in incoming.headers if name.lower() not in HOP_BY_HOP]
    forwarded_for = next((value for name, value in received if name.lower() == "x-forwarded-for"), None)
    forwarding = [  # API Gateway adds these; handlers that log the client read them.
        ("x-forwarded-for", f"{forwarded_for}, {incoming.client_ip}" if forwarded_for else incoming.client_ip),
        ("x-forwarded-port", str(incoming.server_port)),
        ("x-forwarded-proto", "http"),
    ]
    received = [(name, value) for name, value in received if name.lower() != "x-forwarded-for"]
    return GatewayRequest(
        incoming.method, raw_path, raw_query, [*received, *forwarding], incoming.body, incoming.client_ip
    )


class LocalGateway:
    """The template's HTTP API on a local port, served from a background thread."""

    def __init__(
        self,
        template_path: Path | str,
        static_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.template = load_template(template_path)
        self.gateway = Gateway(self.template, static_dir)
        self._address = (host, port)
        self._limits = limits
        self._server: GatewayHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LocalGateway:
        """Bind, listen and serve in a background thread; returns once connections are accepted."""
        if self._server is not None:
            raise RuntimeError("the gateway is already started")
        self._server = GatewayHTTPServer(self._address, self._serve, self._limits)
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-gateway", daemon=True)
        self._thread.start()
        return self

    def _serve(self, incoming: IncomingRequest) -> GatewayResponse:
        return self.gateway.handle(gateway_request(incoming))

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the gateway is not started")
        host, port = self._server.server_name, self._server.server_port
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.begin_close()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> LocalGateway:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
