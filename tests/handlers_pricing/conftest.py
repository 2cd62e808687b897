"""Handlers of the plan, credit and invoice-lifecycle routes, called directly with real payload-2.0 events
(local_gateway.events builds them, as the local gateway does) against services on a temporary SQLite file."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from billing import bootstrap
from billing.adapters.sqlite import SqliteStorage
from billing.bootstrap import Services, build_services

from local_gateway.events import http_event

NOW = datetime(2025, 10, 2, 9, 30, tzinfo=UTC)


@dataclass
class Context:
    function_name: str = "handler-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:handler-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    log_group_name: str = "/aws/lambda/handler-test"
    log_stream_name: str = "2025/10/02/[$LATEST]test"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any

    def error_fields(self) -> list[str]:
        return [item["field"] for item in self.body["error"].get("fields", [])]


class Api:
    """Calls `functions.<function>.app.lambda_handler` as API Gateway would for `route` and `path`."""

    def __init__(self, services: Services) -> None:
        self.services = services

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
            authorizer_context={"principal": "admin"},
            now=NOW,
        )
        reply = handler(event, Context())
        return Reply(reply["statusCode"], json.loads(reply["body"]) if reply.get("body") else None)


def _path_parameters(template: str, path: str) -> dict[str, str]:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    match = re.fullmatch(pattern, path.split("?", 1)[0])
    assert match, f"{path} does not match {template}"
    return match.groupdict()


@pytest.fixture
def context() -> Context:
    return Context()


@pytest.fixture
def api(tmp_path, monkeypatch) -> Iterator[Api]:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    storage = SqliteStorage(tmp_path / "billing.db")
    services = build_services(storage, clock=lambda: NOW)
    bootstrap.use(services)
    yield Api(services)
    bootstrap.use(None)
    storage.close()
