"""Call handlers the way Lambda does: module.lambda_handler(event, context), events from the one builder."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from billing.http.authorizer import ADMIN

from local_gateway.events import http_event


class Api:
    """Invoke a function folder's handler with a payload-2.0 event and decode its JSON reply."""

    def __init__(self, context) -> None:
        self._context = context

    def call(
        self, function: str, method: str, path: str, route: str, *, body=None, query=None, path_parameters=None
    ) -> tuple[int, Any]:
        event = http_event(
            method,
            path,
            route_key=f"{method} {route}",
            body=body,
            query=query,
            path_parameters=path_parameters,
            authorizer_context=ADMIN.as_context(),
        )
        reply = handler(function)(event, self._context)
        return reply["statusCode"], json.loads(reply["body"])


def handler(function: str):
    return importlib.import_module(f"functions.{function}.app").lambda_handler


@pytest.fixture
def api(injected_services, lambda_context) -> Api:
    return Api(lambda_context)
