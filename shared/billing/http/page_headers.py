"""Security headers for the one HTML page the API serves itself, the Swagger UI at /v1/docs.

The page is Powertools' own (`enable_swagger`): its Swagger UI script and style sheet are inlined, then an
inline script starts it with the OpenAPI document. A policy of `'self'` would refuse all of them and
`'unsafe-inline'` would let any injected markup run, so the policy names exactly those elements by their
SHA-256 hashes, read from the page being sent (the document inside it changes with every route). Apart from
that it says what the dashboard's policy says (local_gateway/static.py, template.yaml's
DashboardResponseHeadersPolicy): never framed, no Referer, nothing from another origin. The headers are set by
the Lambda itself, so API Gateway in AWS and the local gateway send the same ones.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from html.parser import HTMLParser

__all__ = ["html_page_headers"]

STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"  # as the dashboard's CloudFront policy


class _InlineCode(HTMLParser):
    """The text of every inline <script> and <style> element, as the browser hashes it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._open: list[str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not dict(attrs).get("src"):
            self._open, self._text = self.scripts, []
        elif tag == "style":
            self._open, self._text = self.styles, []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag in ("script", "style"):
            self._open.append("".join(self._text))
            self._open = None


def _hashes(texts: list[str]) -> str:
    # The browser hashes an element's text after the HTML parser turned CRLF and CR into LF.
    digests = (hashlib.sha256(text.replace("\r\n", "\n").replace("\r", "\n").encode()).digest() for text in texts)
    return " ".join(sorted({f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests})) or "'none'"


# The page is the same on every request of a container (the document changes only with a deployment): reading
# 1.9 MB of it costs ~40 ms, comparing it with the last one ~1 ms.
@lru_cache(maxsize=2)
def content_security_policy(html: str) -> str:
    """The page's own inline scripts and styles, data: images, requests to its own origin; nothing else."""
    code = _InlineCode()
    code.feed(html)
    code.close()
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {_hashes(code.scripts)}",
            f"style-src {_hashes(code.styles)}",
            "img-src 'self' data:",  # the style sheet's icons are data: URLs
            "connect-src 'self'",  # the document (?format=json) and "Try it out" go to the API itself
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def html_page_headers(html: str) -> dict[str, str]:
    """The headers an HTML page of the API is sent with (the dashboard's, with this page's own policy)."""
    return {
        "Content-Security-Policy": content_security_policy(html),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY,
        "Cache-Control": "no-cache",
    }
