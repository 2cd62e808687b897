"""Handlers of the plan, credit and invoice-lifecycle routes, called directly with real payload-2.0 events
(local_gateway.events builds them, as the local gateway does) against services on a temporary SQLite file."""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from billing.bootstrap import Services
from billing.http.authorizer import ADMIN

from local_gateway.events import http_event
from tests.conftest import FROZEN_NOW as NOW
from tests.conftest import LambdaContext


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any

    def error_fields(self) -> list[str]:
        return [item["field"] for item in self.body["error"].get("fields", [])]


class Api:
    """Calls `functions.<function>.app.lambda_handler` as API Gateway would for `route` and `path`."""

    def __init__(self, services: Services, context: LambdaContext) -> None:
        self.services = services
        self._context = context

    def __call__(self, function: str, route: str, path: str, body: Any = None, query: Any = None) -> Reply:
        method, template = route.split(" ", 1)
        handler = importlib.import_module(f"functions.{function}.app").lambda_handler
        event = http_event(
            method,
            path,
            route_key=route,
            body=body,
            query=query,
            path_parameters=_path_parameters(template, path) or None,
            authorizer_context=ADMIN.as_context(),
            now=NOW,
        )
        reply = handler(event, self._context)
        return Reply(reply["statusCode"], json.loads(reply["body"]) if reply.get("body") else None)


def _path_parameters(template: str, path: str) -> dict[str, str]:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    match = re.fullmatch(pattern, path.split("?", 1)[0])
    assert match, f"{path} does not match {template}"
    return match.groupdict()


@pytest.fixture
def api(injected_services: Services, lambda_context: LambdaContext) -> Api:
    """Handlers run against the root conftest's services: a temporary SQLite file and a clock frozen at NOW."""
    return Api(injected_services, lambda_context)
