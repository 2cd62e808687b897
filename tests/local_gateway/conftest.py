"""Shared fixtures for the local gateway tests: the fixture template and a raw HTTP client."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from local_gateway.server import LocalGateway

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "local_gateway"
FIXTURE_TEMPLATE = FIXTURES / "template.yaml"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header_values(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []


class RawClient:
    """http.client, so paths are sent exactly as written (no ".." normalisation, no redirects)."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
        body: bytes | str | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            pairs = headers.items() if isinstance(headers, dict) else (headers or [])
            for name, value in pairs:
                connection.putheader(name, value)
            payload = body.encode() if isinstance(body, str) else body
            if payload is not None:
                connection.putheader("Content-Length", str(len(payload)))
            connection.endheaders(payload)
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def fixture_template() -> Path:
    return FIXTURE_TEMPLATE


@pytest.fixture(scope="module")
def static_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dist")
    (root / "index.html").write_text("<!doctype html><title>Dashboard</title>")
    (root / "assets").mkdir()
    for name, content in {
        "app.js": "console.log('hi')",
        "app.js.map": '{"version":3}',
        "style.css": "body{}",
        "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "data.json": '{"a":1}',
    }.items():
        (root / "assets" / name).write_text(content)
    (root / "assets" / "pixel.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root.parent / "secret.txt").write_text("outside the static folder")
    return root


@pytest.fixture(scope="module")
def gateway(static_dir: Path) -> Iterator[LocalGateway]:
    """One gateway per test module, on a free port, stopped when the module is done."""
    with LocalGateway(FIXTURE_TEMPLATE, static_dir=static_dir) as running:
        yield running


@pytest.fixture(scope="module")
def client(gateway: LocalGateway) -> RawClient:
    return RawClient(gateway.url)


@pytest.fixture(scope="session")
def client_for() -> type[RawClient]:
    """Build a client for another gateway: `client_for(gateway.url)`."""
    return RawClient
