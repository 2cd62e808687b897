"""Serve a built front end (the dashboard) from a folder, for requests no route takes."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote

from local_gateway.responses import GatewayResponse, not_found

# The dashboard runs its own scripts and styles only (no inline code, no eval, no third-party origin), is never
# framed, and sends no Referer. template.yaml's DashboardResponseHeadersPolicy says the same to CloudFront; in
# AWS its connect-src also names the API's execute-api origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".map": "application/json",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}


class StaticFiles:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def serve(self, raw_path: str) -> GatewayResponse:
        """The file at `raw_path` (a folder means its index.html), or 404 as the API would say it."""
        file = self.resolve(raw_path)
        if file is None:
            return not_found()
        # no-cache: a rebuilt dashboard shows up on the next reload.
        headers = [("content-type", content_type(file)), ("cache-control", "no-cache"), *SECURITY_HEADERS]
        return GatewayResponse(200, headers, file.read_bytes())

    def resolve(self, raw_path: str) -> Path | None:
        """The file inside the root that `raw_path` names, or None (missing, or outside the root)."""
        relative = unquote(raw_path).lstrip("/")
        if "\0" in relative:
            return None
        try:
            candidate = (self.root / relative).resolve()
            if candidate.is_dir():
                candidate = (candidate / "index.html").resolve()
            # After resolve(): "..", encoded dots and symlinks cannot lead outside the root.
            if not candidate.is_relative_to(self.root) or not candidate.is_file():
                return None
        except OSError:  # a name too long for the filesystem (a path of 5,000 segments) names no file
            return None
        return candidate


def content_type(file: Path) -> str:
    known = CONTENT_TYPES.get(file.suffix.lower())
    return known or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
