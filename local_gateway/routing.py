"""Pick the route API Gateway would pick for a request.

API Gateway prefers, in order: a full match of path and method, then a match
through a greedy `{proxy+}` variable, then `$default`. Between several matches
the most specific path wins, segment by segment from the left (a literal segment
beats `{param}`, which beats `{proxy+}`), and an explicit method beats `ANY`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from local_gateway.template import DEFAULT_ROUTE, Route

LITERAL, PARAMETER, GREEDY = 0, 1, 2  # lower is more specific


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        # Sorted once, most specific first: the first route that matches wins.
        self._routes = sorted(routes, key=_specificity)

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        # Split before decoding, so an encoded "/" (%2F) stays inside its segment.
        segments = [unquote(segment) for segment in raw_path.split("/")[1:]]
        for route in self._routes:
            if route.method not in (method.upper(), "ANY"):
                continue
            parameters = match_path(route.path, segments)
            if parameters is not None:
                return RouteMatch(route, parameters)
        return None


def match_path(route_path: str, segments: list[str]) -> dict[str, str] | None:
    """The path parameters if the decoded request segments fit the route path, else None."""
    if route_path == DEFAULT_ROUTE:
        return {}
    *patterns, last = route_path.split("/")[1:]
    last_kind, last_name = _segment_kind(last)
    greedy: dict[str, str] | None = {}
    if last_kind == GREEDY:
        rest = "/".join(segments[len(patterns) :])
        greedy = {last_name: rest} if rest else None  # {proxy+} needs at least one segment
        segments = segments[: len(patterns)]
    else:
        patterns.append(last)
    if greedy is None or len(segments) != len(patterns):
        return None
    fixed = _match_segments(patterns, segments)
    return None if fixed is None else {**fixed, **greedy}


def _match_segments(patterns: list[str], segments: list[str]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for pattern, segment in zip(patterns, segments, strict=True):
        kind, name = _segment_kind(pattern)
        if kind == PARAMETER and segment:
            parameters[name] = segment
        elif kind != LITERAL or pattern != segment:
            return None  # a literal that differs, or an empty segment for a {param}
    return parameters


def _segment_kind(pattern: str) -> tuple[int, str]:
    if pattern.startswith("{") and pattern.endswith("+}"):
        return GREEDY, pattern[1:-2]
    if pattern.startswith("{") and pattern.endswith("}"):
        return PARAMETER, pattern[1:-1]
    return LITERAL, pattern


def _specificity(route: Route) -> tuple[bool, tuple[int, ...], bool]:
    kinds = () if route.path == DEFAULT_ROUTE else tuple(_segment_kind(s)[0] for s in route.path.split("/")[1:])
    return (route.path == DEFAULT_ROUTE, kinds, route.method == "ANY")
