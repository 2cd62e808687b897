"""The payload-2.0 event builder: API Gateway's exact rules, checked against Powertools' models."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    ApiGatewayAuthorizerRequestV2,
    APIGatewayProxyEventV2Model,
)

from local_gateway.events import authorizer_event, format_request_time, http_event

NOW = datetime(2026, 11, 25, 11, 2, 30, 123000, tzinfo=UTC)


def test_a_minimal_event_has_exactly_the_keys_api_gateway_sends() -> None:
    event = http_event("get", "/v1/customers", route_key="GET /v1/customers", now=NOW)

    assert set(event) == {
        "version",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "headers",
        "requestContext",
        "isBase64Encoded",
    }
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /v1/customers"
    assert event["rawPath"] == "/v1/customers"
    assert event["rawQueryString"] == ""
    assert event["headers"] == {}
    assert event["isBase64Encoded"] is False
    APIGatewayProxyEventV2Model.model_validate(event)


def test_request_context_fields() -> None:
    event = http_event(
        "POST",
        "/v1/customers",
        route_key="POST /v1/customers",
        headers={"User-Agent": "curl/8", "Host": "api.example.com:3000"},
        source_ip="10.1.2.3",
        now=NOW,
    )
    context = event["requestContext"]

    assert context["http"] == {
        "method": "POST",
        "path": "/v1/customers",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.1.2.3",
        "userAgent": "curl/8",
    }
    assert context["routeKey"] == "POST /v1/customers"
    assert context["stage"] == "$default"
    assert context["time"] == "25/Nov/2026:11:02:30 +0000"
    assert context["timeEpoch"] == 1795604550123
    assert (context["domainName"], context["domainPrefix"]) == ("api.example.com", "api")
    assert context["accountId"] and context["apiId"]
    uuid.UUID(context["requestId"])
    assert "authorizer" not in context


def test_each_event_gets_its_own_request_id() -> None:
    first = http_event("GET", "/", route_key="GET /")
    second = http_event("GET", "/", route_key="GET /")

    assert first["requestContext"]["requestId"] != second["requestContext"]["requestId"]


def test_request_time_is_utc_with_english_month() -> None:
    paris = timezone(timedelta(hours=1))

    assert format_request_time(datetime(2026, 1, 5, 12, 0, 0, tzinfo=paris)) == "05/Jan/2026:11:00:00 +0000"


def test_headers_are_lower_cased_and_repeats_comma_joined() -> None:
    event = http_event(
        "GET",
        "/",
        route_key="GET /",
        headers=[("X-Trace", "a"), ("x-trace", "b"), ("Accept", "text/html")],
    )

    assert event["headers"] == {"x-trace": "a,b", "accept": "text/html"}


def test_cookies_are_taken_out_of_the_headers() -> None:
    event = http_event("GET", "/", route_key="GET /", headers={"Cookie": ["a=1; b=2", "c=3"], "Accept": "*/*"})

    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]


def test_no_cookie_header_means_no_cookies_key() -> None:
    assert "cookies" not in http_event("GET", "/", route_key="GET /", headers={"Accept": "*/*"})


@pytest.mark.parametrize(
    "query",
    [
        "tag=a&tag=b&page=2&empty=",
        {"tag": ["a", "b"], "page": "2", "empty": ""},
        [("tag", "a"), ("tag", "b"), ("page", "2"), ("empty", "")],
    ],
)
def test_query_repeats_are_comma_joined_whatever_form_it_comes_in(query: object) -> None:
    event = http_event("GET", "/v1/usage", route_key="GET /v1/usage", query=query)  # type: ignore[arg-type]

    assert event["rawQueryString"] == "tag=a&tag=b&page=2&empty="
    assert event["queryStringParameters"] == {"tag": "a,b", "page": "2", "empty": ""}


def test_query_values_are_decoded_but_the_raw_string_is_kept() -> None:
    event = http_event("GET", "/v1/usage?from=2026-11-01T00%3A00%3A00Z&q=a+b", route_key="GET /v1/usage")

    assert event["rawPath"] == "/v1/usage"
    assert event["rawQueryString"] == "from=2026-11-01T00%3A00%3A00Z&q=a+b"
    assert event["queryStringParameters"] == {"from": "2026-11-01T00:00:00Z", "q": "a b"}


def test_query_in_path_and_as_argument_is_ambiguous() -> None:
    with pytest.raises(ValueError, match="not both"):
        http_event("GET", "/x?a=1", route_key="GET /x", query={"b": "2"})


def test_empty_parameters_are_absent() -> None:
    event = http_event("GET", "/v1/x", route_key="GET /v1/x", query={}, path_parameters={})

    assert "queryStringParameters" not in event
    assert "pathParameters" not in event


def test_path_parameters_are_passed_through() -> None:
    event = http_event("GET", "/v1/customers/c1", route_key="GET /v1/customers/{id}", path_parameters={"id": "c1"})

    assert event["pathParameters"] == {"id": "c1"}


def test_a_dict_body_is_sent_as_json_with_a_json_content_type() -> None:
    event = http_event("POST", "/v1/customers", route_key="POST /v1/customers", body={"email": "a@example.com"})

    assert json.loads(event["body"]) == {"email": "a@example.com"}
    assert event["headers"]["content-type"] == "application/json"
    assert event["isBase64Encoded"] is False


def test_a_given_content_type_is_kept() -> None:
    event = http_event("POST", "/x", route_key="POST /x", body=[1, 2], headers={"Content-Type": "text/plain"})

    assert event["headers"] == {"content-type": "text/plain"}
    assert event["body"] == "[1, 2]"


def test_text_bodies_stay_text() -> None:
    assert http_event("POST", "/x", route_key="POST /x", body="héllo")["body"] == "héllo"
    assert http_event("POST", "/x", route_key="POST /x", body="héllo".encode())["body"] == "héllo"


def test_binary_bodies_are_base64_encoded() -> None:
    payload = b"\x89PNG\xff\x00"
    event = http_event("POST", "/x", route_key="POST /x", body=payload)

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_authorizer_context_lands_under_lambda() -> None:
    event = http_event("GET", "/x", route_key="GET /x", authorizer_context={"role": "admin"})

    assert event["requestContext"]["authorizer"] == {"lambda": {"role": "admin"}}
    parsed = APIGatewayProxyEventV2Model.model_validate(event)
    assert parsed.requestContext.authorizer is not None
    assert parsed.requestContext.authorizer.lambda_value == {"role": "admin"}


def test_a_full_event_parses_with_powertools() -> None:
    event = http_event(
        "PUT",
        "/v1/customers/c1?x=1",
        route_key="PUT /v1/customers/{id}",
        body=b"\xff",
        headers={"Cookie": "s=1", "User-Agent": "test"},
        path_parameters={"id": "c1"},
        authorizer_context={"user": "alice"},
        source_ip="192.0.2.1",
    )

    parsed = APIGatewayProxyEventV2Model.model_validate(event)

    assert parsed.cookies == ["s=1"]
    assert parsed.pathParameters == {"id": "c1"}
    assert parsed.requestContext.http.method == "PUT"


def test_authorizer_event_is_the_request_without_body_plus_identity() -> None:
    event = authorizer_event(
        "POST",
        "/v1/customers?x=1",
        route_key="POST /v1/customers",
        headers={"Authorization": "Bearer t", "X-Api-Key": "k"},
        identity_headers=["Authorization", "x-api-key"],
        identity_query_strings=["x"],
        now=NOW,
    )

    assert event["type"] == "REQUEST"
    assert event["identitySource"] == ["Bearer t", "k", "1"]
    assert event["routeArn"].startswith("arn:aws:execute-api:")
    assert event["routeArn"].endswith("/$default/POST/v1/customers")
    assert "body" not in event
    assert "isBase64Encoded" not in event
    assert "authorizer" not in event["requestContext"]
    ApiGatewayAuthorizerRequestV2.model_validate(event)


def test_authorizer_event_leaves_out_missing_identity_values() -> None:
    event = authorizer_event(
        "GET", "/x", route_key="GET /x", headers={"Authorization": ""}, identity_headers=["Authorization"]
    )

    assert event["identitySource"] == []
