"""The real handlers, called the way Lambda calls them: a payload-2.0 event and a context.

Handlers are imported by the local gateway's runtime from template.yaml (code folder + layer), and
events come from its event builder, so the bench drives exactly what API Gateway would.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from billing import bootstrap
from billing.adapters.sqlite import SqliteStorage

from bench import REPO
from local_gateway.events import http_event
from local_gateway.runtime import lambda_context, load_handler
from local_gateway.template import GatewayTemplate, load_template

TEMPLATE = REPO / "template.yaml"
# What the authorizer hands to handlers behind the gateway (billing.http.authorizer.Principal.as_context).
ADMIN_CONTEXT = {"key_id": "admin", "role": "admin", "customer_id": ""}


class HandlerError(RuntimeError):
    """A handler answered with an error status: the benchmark's workload is wrong, not slow."""


def configure(db_path: Path) -> None:
    """Point the handlers' composition root at a SQLite file (created on first use).

    The template's configuration (WAL on a local disk), metrics on (the EMF lines go to stdout, which
    the bench sends to /dev/null as Lambda sends it to CloudWatch), logs at WARNING instead of INFO:
    the authorizer's one line per request is all INFO would add.
    """
    os.environ["BILLING_DB_PATH"] = str(db_path)
    os.environ.setdefault("BILLING_ADMIN_API_KEY", secrets.token_urlsafe(32))
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "billing")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "UsageBilling")
    bootstrap.use(None)


class Functions:
    """template.yaml's functions, imported on first use and kept warm like Lambda containers."""

    def __init__(self, template_path: Path = TEMPLATE) -> None:
        self.template_path = template_path
        self._handlers: dict[str, Any] = {}

    @cached_property
    def template(self) -> GatewayTemplate:
        return load_template(self.template_path)

    def route(self, route_key: str) -> Any:
        """The handler serving a route, e.g. "POST /v1/events/batch"."""
        route = next((r for r in self.template.routes if r.route_key == route_key), None)
        if route is None:
            raise KeyError(f"no route {route_key!r} in {self.template_path}")
        return self.function(route.function_id)

    def function(self, function_id: str) -> Any:
        if function_id not in self._handlers:
            self._handlers[function_id] = load_handler(self.template.functions[function_id])
        return self._handlers[function_id]

    def context(self, route_key: str) -> Any:
        route = next(r for r in self.template.routes if r.route_key == route_key)
        return lambda_context(self.template.functions[route.function_id])


def event(
    route_key: str,
    path: str,
    *,
    body: Any = None,
    query: Mapping[str, str] | None = None,
    path_parameters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A payload-2.0 event as the gateway sends it after the authorizer allowed the request."""
    method = route_key.split(" ", 1)[0]
    return http_event(
        method,
        path,
        route_key=route_key,
        body=body,
        query=query,
        path_parameters=path_parameters,
        authorizer_context=ADMIN_CONTEXT,
    )


def checked(reply: Mapping[str, Any]) -> Any:
    """The JSON body of a successful reply; HandlerError otherwise."""
    status = reply.get("statusCode", 200)
    if not 200 <= status < 300:
        raise HandlerError(f"handler answered {status}: {reply.get('body')}")
    return json.loads(reply["body"]) if reply.get("body") else None


_current: list[Path] = []


def open_database(db_path: Path) -> bootstrap.Services:
    """Switch the handlers (and the bench) to that SQLite file, closing the previous one."""
    release_database()
    configure(db_path)
    _current.append(db_path)
    return bootstrap.services()


def fresh_database(db_path: Path) -> bootstrap.Services:
    """Switch to a new, empty SQLite file."""
    release_database()
    for leftover in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return open_database(db_path)


def sqlite_storage() -> SqliteStorage:
    """The handlers' storage, which the bench knows to be SQLite (for its raw baselines and checks)."""
    storage = bootstrap.services().storage
    if not isinstance(storage, SqliteStorage):
        raise TypeError(f"the bench measures the SQLite adapter, not {type(storage).__name__}")
    return storage


def sqlite_connection() -> sqlite3.Connection:
    return sqlite_storage().db.connection()


def release_database() -> None:
    """Close the current file (and checkpoint its WAL into it, so that it can be copied)."""
    if _current:
        sqlite_connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sqlite_storage().close()
        _current.clear()
        bootstrap.use(None)
