"""HTTP responses: the gateway's own, and the ones translated from a Lambda reply (payload 2.0)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


class MalformedReply(ValueError):
    """A Lambda reply API Gateway would refuse (it answers 500)."""


def gateway_message(status: int, message: str) -> GatewayResponse:
    """One of API Gateway's own replies, byte for byte: `{"message":"Not Found"}`."""
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return GatewayResponse(status, [("content-type", "application/json")], body)


def not_found() -> GatewayResponse:
    return gateway_message(404, "Not Found")


def unauthorized() -> GatewayResponse:
    return gateway_message(401, "Unauthorized")


def forbidden() -> GatewayResponse:
    return gateway_message(403, "Forbidden")


def internal_server_error() -> GatewayResponse:
    return gateway_message(500, "Internal Server Error")


# The server sets these itself; a handler's values would corrupt the framing.
_FRAMING_HEADERS = {"content-length", "transfer-encoding", "connection"}


def from_lambda_reply(reply: Any) -> GatewayResponse:
    """Translate a handler's (JSON-decoded) reply as API Gateway does for payload 2.0.

    A dict with `statusCode` is a full response. Anything else is "the body":
    200, `application/json`, the value as JSON; a string is sent as it is.
    """
    if isinstance(reply, dict) and "statusCode" in reply:
        return _full_response(reply)
    body = reply if isinstance(reply, str) else json.dumps(reply)
    return GatewayResponse(200, [("content-type", "application/json")], body.encode())


def _full_response(reply: dict[str, Any]) -> GatewayResponse:
    headers = [
        (name.lower(), _header_text(value))
        for name, value in _mapping(reply, "headers").items()
        if name.lower() not in _FRAMING_HEADERS
    ]
    headers += [("set-cookie", str(cookie)) for cookie in _list(reply, "cookies")]
    return GatewayResponse(_status(reply.get("statusCode")), headers, _body(reply))


def _status(value: Any) -> int:
    status = int(value) if isinstance(value, int | str) and str(value).isdigit() else 0
    if not 100 <= status <= 599:
        raise MalformedReply(f"statusCode {value!r} is not an HTTP status")
    return status


def _body(reply: dict[str, Any]) -> bytes:
    body = reply.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedReply(f"body must be a string, got {type(body).__name__}")
    if not reply.get("isBase64Encoded"):
        return body.encode()
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error as error:
        raise MalformedReply(f"isBase64Encoded is true but the body is not base64: {error}") from error


def _mapping(reply: dict[str, Any], key: str) -> dict[str, Any]:
    value = reply.get(key) or {}
    if not isinstance(value, dict):
        raise MalformedReply(f"{key} must be an object")
    return value


def _list(reply: dict[str, Any], key: str) -> list[Any]:
    value = reply.get(key) or []
    if not isinstance(value, list):
        raise MalformedReply(f"{key} must be a list")
    return value


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
