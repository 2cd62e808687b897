"""Reading a request body: UTF-8 JSON only, numbers read exactly, nesting bounded.

Every failure is a `json.JSONDecodeError`, which Powertools' validation turns into a
RequestValidationError and the one error map (billing.http.errors) into a 400 naming `body`.
"""

from __future__ import annotations

import base64
import binascii
import json
from decimal import Decimal
from typing import Any

# The deepest valid body is a plan: {"prices": [{"tiers": [{...}]}]}, 4 levels. Anything much deeper is
# refused before validation walks it.
MAX_JSON_DEPTH = 16


def exact_json(text: str) -> Any:
    """JSON numbers become Decimal, never float or int: 0.1 stays exactly 0.1 all the way to the invoice,
    and a 5,000-digit integer is a number to refuse by its bounds, not a crash of int()."""
    try:
        text.encode()  # lone surrogates: the body was not UTF-8 (see text_body)
    except UnicodeEncodeError as error:
        raise json.JSONDecodeError("the body is not UTF-8", "", error.start) from None
    try:
        value = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError(f"nested deeper than {MAX_JSON_DEPTH} levels", "", 0) from None
    except ValueError as error:
        raise json.JSONDecodeError(str(error)[:200], "", 0) from None
    if _deeper_than(value, MAX_JSON_DEPTH):
        raise json.JSONDecodeError(f"nested deeper than {MAX_JSON_DEPTH} levels", "", 0)
    return value


_CONTAINERS = frozenset({dict, list})  # what json.loads nests (exactly these types, never subclasses)


def request_json(text: str) -> Any:
    """A request body: `exact_json`, and an object or an array. Powertools validates a body model with
    from_attributes=True, so a bare `0` (a Decimal, which has attributes) would become a model of defaults:
    POST /v1/api-keys with the body 0 created an admin key."""
    value = exact_json(text)
    if type(value) not in _CONTAINERS:
        raise json.JSONDecodeError("the body must be a JSON object or array", "", 0)
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    if type(value) not in _CONTAINERS:
        return False
    level = [value]
    for _ in range(limit):
        deeper: list[Any] = []
        for node in level:
            children = node.values() if type(node) is dict else node
            if not _CONTAINERS.isdisjoint(map(type, children)):  # most nodes hold no container: one C loop
                deeper.extend(child for child in children if type(child) in _CONTAINERS)
        if not deeper:
            return False
        level = deeper
    return True


def text_body(event: dict[str, Any]) -> dict[str, Any]:
    """The event with a base64 body decoded to text, as the API reads JSON only.

    Bytes that are not UTF-8 (a UTF-16 body, a stray 0xFF) are kept as lone surrogates, which
    `exact_json` refuses with a 400 instead of Powertools' UnicodeDecodeError (a 500).
    """
    if not event.get("isBase64Encoded") or not event.get("body"):
        return event
    try:
        raw = base64.b64decode(event["body"], validate=True)
    except (binascii.Error, ValueError):
        raw = b"\xff"  # not even base64: refused like any other non-UTF-8 body
    return {**event, "body": raw.decode("utf-8", "surrogateescape"), "isBase64Encoded": False}
