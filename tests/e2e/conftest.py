"""A real local gateway process on a free loopback port, stopped after the module."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import running_gateway

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "e2e-admin-key-0123456789abcdefghijklmnop"


@dataclass
class HttpClient:
    base_url: str
    key: str | None = ADMIN_KEY

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("content-type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        token = key if key is not None else self.key
        if token:
            request.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, _decode(response.read(), response.headers.get_content_type())
        except urllib.error.HTTPError as error:
            return error.code, _decode(error.read(), error.headers.get_content_type())


def _decode(payload: bytes, content_type: str) -> Any:
    """JSON (application/json, application/problem+json) decoded; anything else as text."""
    is_json = content_type == "application/json" or content_type.endswith("+json")
    return json.loads(payload) if is_json and payload else payload.decode()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, dashboard_build) -> Iterator[HttpClient]:
    with running_gateway(tmp_path_factory.mktemp("e2e-data"), dashboard_build, ADMIN_KEY) as url:
        yield HttpClient(url)
