"""Route selection and reply translation, without HTTP."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from local_gateway.responses import MalformedReply, from_lambda_reply
from local_gateway.routing import Router
from local_gateway.template import Route


def route(key: str) -> Route:
    method, _, path = key.partition(" ")
    if key == "$default":
        method, path = "ANY", "$default"
    return Route(method, path, function_id=key, code_dir=Path("."), handler="app.handler", authorizer=None)


ROUTER = Router(
    route(key)
    for key in [
        "$default",
        "ANY /v1/files/{proxy+}",
        "GET /v1/files/{proxy+}",
        "GET /v1/files/readme",
        "GET /v1/customers/{id}",
        "GET /v1/customers/search",
        "ANY /v1/customers/{id}/invoices",
        "GET /v1/customers/{id}/invoices",
        "GET /{proxy+}",
        "GET /",
    ]
)


@pytest.mark.parametrize(
    ("method", "path", "expected_route", "expected_parameters"),
    [
        ("GET", "/v1/customers/search", "GET /v1/customers/search", {}),
        ("GET", "/v1/customers/c1", "GET /v1/customers/{id}", {"id": "c1"}),
        ("GET", "/v1/customers/c1/invoices", "GET /v1/customers/{id}/invoices", {"id": "c1"}),
        ("POST", "/v1/customers/c1/invoices", "ANY /v1/customers/{id}/invoices", {"id": "c1"}),
        ("GET", "/v1/files/readme", "GET /v1/files/readme", {}),
        ("GET", "/v1/files/a/b.txt", "GET /v1/files/{proxy+}", {"proxy": "a/b.txt"}),
        ("DELETE", "/v1/files/a/b.txt", "ANY /v1/files/{proxy+}", {"proxy": "a/b.txt"}),
        ("GET", "/v1/other", "GET /{proxy+}", {"proxy": "v1/other"}),
        ("GET", "/", "GET /", {}),
        ("POST", "/v1/customers/c1", "$default", {}),
        ("DELETE", "/v1/files", "$default", {}),  # {proxy+} needs at least one segment
        ("GET", "/v1/customers/a%20b%2Fc", "GET /v1/customers/{id}", {"id": "a b/c"}),
    ],
)
def test_the_most_specific_route_wins(
    method: str, path: str, expected_route: str, expected_parameters: dict[str, str]
) -> None:
    match = ROUTER.match(method, path)

    assert match is not None
    assert match.route.function_id == expected_route
    assert match.path_parameters == expected_parameters


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/customers"),  # method mismatch is "no route", not 405
        ("GET", "/v1/customers/"),  # an empty segment is not a path parameter
        ("GET", "/v1/Customers/search/x/y"),
        ("GET", "/v1"),
    ],
)
def test_no_match_without_a_fitting_route(method: str, path: str) -> None:
    router = Router([route("GET /v1/customers/{id}"), route("GET /v1/customers/search")])

    assert router.match(method, path) is None


# -- reply translation -----------------------------------------------------------------


def test_a_full_reply_keeps_status_headers_cookies_and_body() -> None:
    response = from_lambda_reply(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Flag": True, "Content-Length": "999"},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": '{"id": "c1"}',
        }
    )

    assert response.status == 201
    assert response.headers == [
        ("content-type", "application/json"),
        ("x-flag", "true"),
        ("set-cookie", "a=1; Path=/"),
        ("set-cookie", "b=2"),
    ]
    assert response.body == b'{"id": "c1"}'


def test_a_base64_reply_is_decoded() -> None:
    response = from_lambda_reply(
        {"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True}
    )

    assert response.body == b"\x00\xff"


@pytest.mark.parametrize(
    ("reply", "body"),
    [
        ({"items": [1]}, b'{"items": [1]}'),
        ([1, 2], b"[1, 2]"),
        ("plain text", b"plain text"),
        (None, b"null"),
    ],
)
def test_a_reply_without_status_code_is_200_json(reply: object, body: bytes) -> None:
    response = from_lambda_reply(reply)

    assert (response.status, response.headers, response.body) == (200, [("content-type", "application/json")], body)


@pytest.mark.parametrize(
    "reply",
    [
        {"statusCode": "abc"},
        {"statusCode": 99},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "***", "isBase64Encoded": True},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "cookies": "a=1"},
    ],
)
def test_malformed_replies_are_refused(reply: dict[str, object]) -> None:
    with pytest.raises(MalformedReply):
        from_lambda_reply(reply)
