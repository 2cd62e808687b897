"""The gateway over real HTTP on 127.0.0.1, serving the fixture template's handlers."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    ApiGatewayAuthorizerRequestV2,
    APIGatewayProxyEventV2Model,
)

from local_gateway.server import LocalGateway

GOOD = {"Authorization": "Bearer good"}
ORIGIN = "http://localhost:5173"


def echoed(reply: Any) -> dict[str, Any]:
    """The event the echo handler received."""
    assert reply.status == 200, reply.body
    return reply.json()["event"]


# -- routing -----------------------------------------------------------------------------


def test_a_route_with_a_path_parameter(client: Any) -> None:
    event = echoed(client.request("GET", "/v1/customers/c%2042", headers=GOOD))

    assert event["routeKey"] == "GET /v1/customers/{id}"
    assert event["pathParameters"] == {"id": "c 42"}
    assert event["rawPath"] == "/v1/customers/c%2042"


def test_a_literal_route_beats_a_path_parameter(client: Any) -> None:
    event = echoed(client.request("GET", "/v1/customers/search", headers=GOOD))

    assert event["routeKey"] == "GET /v1/customers/search"
    assert "pathParameters" not in event


def test_a_greedy_route_takes_the_rest_of_the_path_for_any_method(client: Any) -> None:
    event = echoed(client.request("DELETE", "/v1/files/reports/2026/11.csv", headers=GOOD))

    assert event["routeKey"] == "ANY /v1/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "reports/2026/11.csv"}
    assert event["requestContext"]["http"]["method"] == "DELETE"


def test_no_route_is_404_not_found(client: Any) -> None:
    for method, path in [("GET", "/v1/nothing"), ("POST", "/v1/health"), ("PUT", "/v1/customers/c1")]:
        reply = client.request(method, path, headers=GOOD)

        assert (reply.status, reply.body) == (404, b'{"message":"Not Found"}'), (method, path)
        assert reply.headers["content-type"] == "application/json"


def test_an_implicit_api_route_is_served_without_authorizer(client: Any) -> None:
    reply = client.request("GET", "/implicit/ping")

    assert reply.status == 200
    # Same app.py as HealthFunction, but its own module: it knows which function it is.
    assert reply.json() == {"status": "ok", "function": "ImplicitFunction"}


# -- the event is a real payload-2.0 event --------------------------------------------------


def test_the_handler_event_parses_as_an_api_gateway_v2_event(client: Any) -> None:
    event = echoed(
        client.request(
            "POST",
            "/v1/echo?tag=a&tag=b&page=2",
            headers={**GOOD, "Content-Type": "application/json", "User-Agent": "pytest", "X-Multi": "1"},
            body='{"hello": "world"}',
        )
    )

    parsed = APIGatewayProxyEventV2Model.model_validate(event)

    assert parsed.routeKey == "POST /v1/echo"
    assert parsed.requestContext.http.method == "POST"
    assert parsed.requestContext.http.userAgent == "pytest"
    assert parsed.requestContext.stage == "$default"
    assert json.loads(event["body"]) == {"hello": "world"}
    assert event["isBase64Encoded"] is False
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert "connection" not in event["headers"]


def test_repeated_query_values_are_comma_joined(client: Any) -> None:
    event = echoed(client.request("GET", "/v1/echo?tag=a&tag=b&page=2&q=a%2Bb", headers=GOOD))

    assert event["rawQueryString"] == "tag=a&tag=b&page=2&q=a%2Bb"
    assert event["queryStringParameters"] == {"tag": "a,b", "page": "2", "q": "a+b"}


def test_repeated_headers_are_comma_joined(client: Any) -> None:
    event = echoed(client.request("GET", "/v1/echo", headers=[*GOOD.items(), ("X-Multi", "1"), ("x-multi", "2")]))

    assert event["headers"]["x-multi"] == "1,2"


def test_cookies_move_out_of_the_headers(client: Any) -> None:
    event = echoed(client.request("GET", "/v1/echo", headers={**GOOD, "Cookie": "session=abc; theme=dark"}))

    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in event["headers"]


def test_a_binary_body_arrives_base64_encoded(client: Any) -> None:
    payload = bytes([0x89, 0x50, 0xFF, 0x00, 0xFE])
    event = echoed(
        client.request("POST", "/v1/echo", headers={**GOOD, "Content-Type": "application/octet-stream"}, body=payload)
    )

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_no_body_means_no_body_key(client: Any) -> None:
    assert "body" not in echoed(client.request("GET", "/v1/echo", headers=GOOD))


def test_the_handler_gets_a_lambda_context(client: Any) -> None:
    reply = client.request("GET", "/v1/echo", headers=GOOD)
    context = reply.json()["context"]

    assert context["function_name"] == "EchoFunction"
    assert context["function_version"] == "$LATEST"
    assert context["memory_limit_in_mb"] == 512
    assert context["invoked_function_arn"].endswith(":function:EchoFunction")
    assert context["log_group_name"] == "/aws/lambda/EchoFunction"
    assert 9_000 < context["remaining_ms"] <= 10_000  # Timeout: 10 from Globals
    assert context["aws_request_id"]
    # The handler imported a module from the template's layer.
    assert reply.headers["x-layer"] == "from-fixture-layer"


# -- the authorizer ------------------------------------------------------------------------


def test_authorizer_context_reaches_the_handler(client: Any) -> None:
    event = echoed(client.request("GET", "/v1/echo", headers=GOOD))

    assert event["requestContext"]["authorizer"]["lambda"]["user"] == "alice"


def test_the_authorizer_event_is_a_real_request_authorizer_event(client: Any) -> None:
    event = echoed(client.request("GET", "/v1/customers/c1?x=1", headers=GOOD))
    authorizer_event = json.loads(event["requestContext"]["authorizer"]["lambda"]["authorizerEvent"])

    parsed = ApiGatewayAuthorizerRequestV2.model_validate(authorizer_event)

    assert parsed.type == "REQUEST"
    assert parsed.identitySource == ["Bearer good"]
    assert parsed.routeArn.endswith("/$default/GET/v1/customers/c1")
    assert parsed.routeKey == "GET /v1/customers/{id}"
    assert parsed.pathParameters == {"id": "c1"}
    assert "body" not in authorizer_event
    assert "authorizer" not in authorizer_event["requestContext"]
    # One request, one request id: the authorizer's and the handler's match.
    assert authorizer_event["requestContext"]["requestId"] == event["requestContext"]["requestId"]


def test_a_missing_identity_header_is_401_without_calling_the_authorizer(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for headers in ({}, {"Authorization": ""}):
        reply = client.request("GET", "/v1/echo", headers=headers)

        assert (reply.status, reply.body) == (401, b'{"message":"Unauthorized"}')
    assert "fixture authorizer called" not in capsys.readouterr().out


def test_a_denied_request_is_403(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    reply = client.request("GET", "/v1/echo", headers={"Authorization": "Bearer bad"})

    assert (reply.status, reply.body) == (403, b'{"message":"Forbidden"}')
    assert "fixture authorizer called with Bearer bad" in capsys.readouterr().out


@pytest.mark.parametrize("token", ["Bearer boom", "Bearer garbage"])
def test_an_authorizer_that_fails_is_500(client: Any, token: str) -> None:
    reply = client.request("GET", "/v1/echo", headers={"Authorization": token})

    assert (reply.status, reply.body) == (500, b'{"message":"Internal Server Error"}')


def test_a_public_route_skips_the_authorizer(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    reply = client.request("GET", "/v1/health")

    assert reply.status == 200
    assert "fixture authorizer called" not in capsys.readouterr().out


# -- handler replies ----------------------------------------------------------------------


def test_a_handler_that_raises_is_500_with_its_traceback_logged(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    reply = client.request("GET", "/v1/boom", headers=GOOD)

    assert (reply.status, reply.body) == (500, b'{"message":"Internal Server Error"}')
    logged = capsys.readouterr().err
    assert "Traceback" in logged
    assert "ValueError: fixture handler exploded" in logged


def test_a_reply_without_status_code_is_200_json(client: Any) -> None:
    reply = client.request("GET", "/v1/health")

    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {"status": "ok", "function": "HealthFunction"}


def ask_reply(client: Any, reply: Any) -> Any:
    """Have the reply fixture handler return `reply`."""
    return client.request(
        "POST", "/v1/reply", headers={"Content-Type": "application/json"}, body=json.dumps({"reply": reply})
    )


def test_a_string_reply_is_200_json(client: Any) -> None:
    reply = ask_reply(client, "just text")

    assert (reply.status, reply.headers["content-type"], reply.body) == (200, "application/json", b"just text")


def test_reply_status_headers_and_cookies_are_sent(client: Any) -> None:
    reply = ask_reply(
        client,
        {"statusCode": 201, "headers": {"X-Custom": "yes"}, "cookies": ["a=1; Path=/", "b=2"], "body": "created"},
    )

    assert reply.status == 201
    assert reply.headers["x-custom"] == "yes"
    assert reply.header_values("set-cookie") == ["a=1; Path=/", "b=2"]
    assert reply.body == b"created"


def test_a_base64_reply_is_decoded_before_sending(client: Any) -> None:
    image = b"\x89PNG\r\n\x1a\n\x00\xff"
    reply = ask_reply(
        client,
        {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(image).decode(),
            "isBase64Encoded": True,
        },
    )

    assert reply.body == image
    assert reply.headers["content-length"] == str(len(image))


def test_a_malformed_reply_is_500(client: Any) -> None:
    reply = ask_reply(client, {"statusCode": "not a number"})

    assert (reply.status, reply.body) == (500, b'{"message":"Internal Server Error"}')


def test_head_sends_headers_without_body(client: Any) -> None:
    reply = client.request("HEAD", "/v1/files/a.txt", headers=GOOD)

    assert reply.status == 200
    assert reply.body == b""
    assert int(reply.headers["content-length"]) > 0


# -- warm containers -------------------------------------------------------------------


def test_a_function_is_imported_once_and_serves_one_request_at_a_time(client: Any) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        replies = list(pool.map(lambda _: client.request("GET", "/v1/counter"), range(3)))
    counts = [reply.json() for reply in replies]
    after = client.request("GET", "/v1/counter").json()

    assert sorted(count["invocations"] for count in counts) == [1, 2, 3]  # module state survived
    assert after["invocations"] == 4
    assert after["mostRunningAtOnce"] == 1


# -- CORS -------------------------------------------------------------------------------


def test_a_preflight_is_answered_by_the_gateway(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    reply = client.request(
        "OPTIONS",
        "/v1/echo",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )

    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert reply.headers["access-control-allow-methods"] == "GET,POST,DELETE"
    assert reply.headers["access-control-allow-headers"] == "authorization,content-type"
    assert reply.headers["access-control-max-age"] == "600"
    assert reply.body == b""
    assert "fixture authorizer called" not in capsys.readouterr().out  # no token needed


def test_a_preflight_for_a_path_without_route_is_answered_too(client: Any) -> None:
    reply = client.request(
        "OPTIONS", "/v1/anything", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    )

    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == ORIGIN


def test_a_preflight_from_another_origin_gets_no_cors_headers(client: Any) -> None:
    reply = client.request(
        "OPTIONS", "/v1/echo", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"}
    )

    assert reply.status == 204
    assert "access-control-allow-origin" not in reply.headers


def test_responses_carry_the_gateways_cors_headers(client: Any) -> None:
    allowed = client.request("GET", "/v1/echo", headers={**GOOD, "Origin": ORIGIN})
    denied = client.request("GET", "/v1/echo", headers={"Authorization": "Bearer bad", "Origin": ORIGIN})
    other = client.request("GET", "/v1/echo", headers={**GOOD, "Origin": "http://evil.example"})

    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert allowed.headers["access-control-expose-headers"] == "x-fixture"
    assert denied.status == 403
    assert denied.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-origin" not in other.headers


def test_cors_headers_from_the_handler_are_replaced(client: Any) -> None:
    reply = client.request(
        "POST",
        "/v1/reply",
        headers={"Content-Type": "application/json", "Origin": ORIGIN},
        body=json.dumps({"reply": {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}}}),
    )

    assert reply.header_values("access-control-allow-origin") == [ORIGIN]


# -- static files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/assets/app.js", "text/javascript; charset=utf-8"),
        ("/assets/app.js.map", "application/json"),
        ("/assets/style.css", "text/css; charset=utf-8"),
        ("/assets/logo.svg", "image/svg+xml"),
        ("/assets/data.json", "application/json"),
        ("/assets/pixel.png", "image/png"),
    ],
)
def test_static_files_are_served_with_their_content_type(
    client: Any, static_dir: Path, path: str, content_type: str
) -> None:
    reply = client.request("GET", path)
    file = static_dir / ("index.html" if path == "/" else path.lstrip("/"))

    assert reply.status == 200
    assert reply.headers["content-type"] == content_type
    assert reply.body == file.read_bytes()


@pytest.mark.parametrize("path", ["/", "/assets/app.js", "/assets/style.css"])
def test_static_files_carry_the_dashboards_security_headers(client: Any, path: str) -> None:
    reply = client.request("GET", path)

    policy = dict(
        (directive.split()[0], directive.split()[1:])
        for directive in reply.headers["content-security-policy"].split("; ")
    )
    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.header_values("x-content-type-options") == ["nosniff"]


def test_api_responses_carry_nosniff_but_no_page_policy(client: Any) -> None:
    for reply in (client.request("GET", "/v1/health"), client.request("GET", "/v1/nothing")):
        assert reply.header_values("x-content-type-options") == ["nosniff"]
        assert "content-security-policy" not in reply.headers


def test_head_on_a_static_file(client: Any) -> None:
    reply = client.request("HEAD", "/")

    assert (reply.status, reply.body) == (200, b"")
    assert reply.headers["content-length"] == str(len("<!doctype html><title>Dashboard</title>"))


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        "/assets/missing.js",
        "/assets/",  # a folder without index.html
    ],
)
def test_static_refuses_traversal_and_unknown_files(client: Any, path: str) -> None:
    reply = client.request("GET", path)

    assert (reply.status, reply.body) == (404, b'{"message":"Not Found"}')


def test_static_files_are_only_for_get_and_head(client: Any) -> None:
    assert client.request("POST", "/index.html").status == 404


def test_routes_win_over_static_files(client: Any) -> None:
    assert client.request("GET", "/v1/health").json()["status"] == "ok"


def test_without_a_static_folder_unrouted_gets_are_404(fixture_template: Path, client_for: Any) -> None:
    with LocalGateway(fixture_template) as bare:
        reply = client_for(bare.url).request("GET", "/index.html")

    assert (reply.status, reply.body) == (404, b'{"message":"Not Found"}')


# -- logging -----------------------------------------------------------------------------


def test_one_access_log_line_per_request(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    client.request("GET", "/v1/health?secret=1")
    client.request("GET", "/v1/nothing")

    lines = capsys.readouterr().err.splitlines()

    assert len(lines) == 2
    assert lines[0].startswith("GET /v1/health 200 ") and lines[0].endswith("ms")
    assert lines[1].startswith("GET /v1/nothing 404 ")
