"""Build API Gateway HTTP API payload-2.0 events.

The one event builder of the project: the local gateway builds every event it sends
with it, and tests that call a handler directly use it too, so handlers never see a
hand-written event that API Gateway would not send.

    event = http_event("POST", "/v1/customers", route_key="POST /v1/customers",
                       body={"email": "a@example.com"}, headers={"authorization": "Bearer x"})
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

ACCOUNT_ID = "123456789012"
API_ID = "localapi"
REGION = "us-east-1"
STAGE = "$default"
PROTOCOL = "HTTP/1.1"

HeaderValues = str | Sequence[str]
Headers = Mapping[str, HeaderValues] | Iterable[tuple[str, str]]
Query = Mapping[str, HeaderValues] | Iterable[tuple[str, str]] | str
Body = str | bytes | dict[str, Any] | list[Any]

# strftime's %b follows the locale; API Gateway's `time` is always English.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_event(
    method: str,
    path: str,
    *,
    route_key: str,
    body: Body | None = None,
    headers: Headers | None = None,
    query: Query | None = None,
    path_parameters: Mapping[str, str] | None = None,
    authorizer_context: Mapping[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
    now: datetime | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The integration event API Gateway sends a Lambda for one request.

    `path` is the raw (still percent-encoded) path and may carry a `?query`.
    `headers` and `query` take a mapping (a value may be a list, for repeats) or
    (name, value) pairs. A dict or list `body` is sent as JSON (with a JSON
    content-type unless one is given); bytes that are not UTF-8 are base64-encoded.
    """
    header_pairs = _pairs(headers)
    if isinstance(body, dict | list) and not any(name.lower() == "content-type" for name, _ in header_pairs):
        header_pairs.append(("content-type", "application/json"))
    event = _request_event(method, path, route_key, header_pairs, query, path_parameters, source_ip, now, request_id)
    encoded_body, is_base64 = encode_body(body)
    if encoded_body is not None:
        event["body"] = encoded_body
    event["isBase64Encoded"] = is_base64
    if authorizer_context is not None:
        event["requestContext"]["authorizer"] = {"lambda": dict(authorizer_context)}
    return event


def authorizer_event(
    method: str,
    path: str,
    *,
    route_key: str,
    headers: Headers | None = None,
    query: Query | None = None,
    path_parameters: Mapping[str, str] | None = None,
    identity_headers: Sequence[str] = (),
    identity_query_strings: Sequence[str] = (),
    source_ip: str = "127.0.0.1",
    now: datetime | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The event a REQUEST Lambda authorizer (payload 2.0) receives for one request.

    The integration event without body and authorizer, plus `type`, `routeArn` and
    `identitySource`: the values of the configured identity headers and query
    strings, in that order (missing ones are left out; the gateway answers 401
    before calling the authorizer when one is missing).
    """
    event = _request_event(method, path, route_key, headers, query, path_parameters, source_ip, now, request_id)
    event["type"] = "REQUEST"
    event["routeArn"] = route_arn(method, event["rawPath"])
    event["identitySource"] = identity_values(event, identity_headers, identity_query_strings)
    return event


def identity_values(
    event: Mapping[str, Any], identity_headers: Sequence[str], identity_query_strings: Sequence[str]
) -> list[str]:
    """The non-empty values of the identity sources found in a built event."""
    event_headers = event.get("headers") or {}
    parameters = event.get("queryStringParameters") or {}
    found = [event_headers.get(name.lower()) for name in identity_headers]
    found += [parameters.get(name) for name in identity_query_strings]
    return [value for value in found if value]


def route_arn(method: str, raw_path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{STAGE}/{method.upper()}{raw_path}"


def encode_body(body: Body | None) -> tuple[str | None, bool]:
    """The event's `body` and `isBase64Encoded` for a request body."""
    if body is None:
        return None, False
    if isinstance(body, dict | list):
        return json.dumps(body), False
    if isinstance(body, str):
        return body, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def format_request_time(moment: datetime) -> str:
    """API Gateway's `requestContext.time`: "25/Nov/2026:11:02:30 +0000"."""
    utc = _as_utc(moment)
    return f"{utc:%d}/{_MONTHS[utc.month - 1]}/{utc:%Y:%H:%M:%S} +0000"


# ---------------------------------------------------------------------------


def _request_event(  # noqa: PLR0917 - private; both public builders pass everything through
    method: str,
    path: str,
    route_key: str,
    headers: Headers | None,
    query: Query | None,
    path_parameters: Mapping[str, str] | None,
    source_ip: str,
    now: datetime | None,
    request_id: str | None,
) -> dict[str, Any]:
    raw_path, raw_query, query_parameters = _split_query(path, query)
    header_map, cookies = _normalize_headers(headers)
    moment = _as_utc(now or datetime.now(UTC))
    domain_name = _domain_name(header_map.get("host"))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = header_map
    if query_parameters:
        event["queryStringParameters"] = query_parameters
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": domain_name,
        "domainPrefix": domain_name.split(".")[0],
        "http": {
            "method": method.upper(),
            "path": raw_path,
            "protocol": PROTOCOL,
            "sourceIp": source_ip,
            "userAgent": header_map.get("user-agent", ""),
        },
        "requestId": request_id or str(uuid.uuid4()),
        "routeKey": route_key,
        "stage": STAGE,
        "time": format_request_time(moment),
        "timeEpoch": _epoch_millis(moment),
    }
    return event


def _pairs(values: Mapping[str, HeaderValues] | Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """(name, value) pairs from a mapping whose values may be lists, or from pairs."""
    if values is None:
        return []
    items = values.items() if isinstance(values, Mapping) else values
    pairs: list[tuple[str, str]] = []
    for name, value in items:
        repeated = list(value) if isinstance(value, list | tuple) else [value]
        pairs.extend((name, str(item)) for item in repeated)
    return pairs


def _normalize_headers(headers: Headers | None) -> tuple[dict[str, str], list[str]]:
    """Lower-cased headers with repeats comma-joined, and the cookies taken out of them."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for given_name, value in _pairs(headers):
        name = given_name.lower()
        if name == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        elif name in joined:
            joined[name] = f"{joined[name]},{value}"
        else:
            joined[name] = value
    return joined, cookies


def _split_query(path: str, query: Query | None) -> tuple[str, str, dict[str, str]]:
    """rawPath, rawQueryString and queryStringParameters (repeats comma-joined)."""
    raw_path, _, query_in_path = path.partition("?")
    if query_in_path and query is not None:
        raise ValueError("give the query string either in the path or as `query`, not both")
    query = query_in_path if query is None else query
    if isinstance(query, str):
        raw_query = query.removeprefix("?")
        pairs = parse_qsl(raw_query, keep_blank_values=True)
    else:
        pairs = _pairs(query)
        raw_query = urlencode(pairs)
    parameters: dict[str, str] = {}
    for name, value in pairs:
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return raw_path or "/", raw_query, parameters


def _domain_name(host: str | None) -> str:
    hostname = urlsplit(f"//{host}").hostname if host else None
    return hostname or "localhost"


def _epoch_millis(moment: datetime) -> int:
    # Integer arithmetic: timestamp() * 1000 can land a float just below the millisecond.
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000


def _as_utc(moment: datetime) -> datetime:
    # A naive datetime is taken as UTC, the gateway's clock.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
