"""Where the time goes: cProfile of a workload, its own time summed per layer of the code.

cProfile inflates pure-Python code relative to C (each Python call pays the profiler's hook), so the
shares say where to look, not exact costs.
"""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from dataclasses import dataclass

from bench import REPO

# (layer, test on (filename, function name)); the first match wins.
_LAYERS: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("SQLite engine (execute, executemany, fetch, commit)", lambda file, name: file == "~" and "sqlite3" in name),
    ("pydantic (validation, models)", lambda file, name: "pydantic" in file or "pydantic" in name),
    ("Powertools (routing, validation glue, logger, metrics)", lambda file, name: "aws_lambda_powertools" in file),
    ("json (stdlib)", lambda file, name: "/json/" in file),
    ("handler + billing.http", lambda file, name: "/functions/" in file or "/billing/http/" in file),
    ("billing.services", lambda file, name: "/billing/services/" in file),
    ("billing.pricing", lambda file, name: "/billing/pricing/" in file),
    ("billing.domain", lambda file, name: "/billing/domain/" in file),
    ("SQLite adapter (Python) + records", lambda file, name: "/billing/adapters/" in file),
)
OTHER = "other (stdlib, builtins: decimal, datetime, dict, ...)"


@dataclass(frozen=True)
class LayerShare:
    layer: str
    seconds: float
    share: float


@dataclass(frozen=True)
class ProfileSummary:
    workload: str
    total_s: float
    layers: tuple[LayerShare, ...]
    top: tuple[tuple[str, float], ...]  # the functions with the most own time


def layer_of(file: str, name: str) -> str:
    return next((layer for layer, test in _LAYERS if test(file, name)), OTHER)


def summarize(workload: str, profile: cProfile.Profile, *, top: int = 8) -> ProfileSummary:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    per_layer: dict[str, float] = {}
    functions = []
    for (file, line, name), (_, _, own, _, _) in stats.items():
        layer = layer_of(file, name)
        per_layer[layer] = per_layer.get(layer, 0.0) + own
        where = name if file == "~" else f"{_short(file)}:{line} {name}"
        functions.append((where, own))
    total = sum(per_layer.values()) or 1.0
    layers = tuple(
        LayerShare(layer, seconds, seconds / total)
        for layer, seconds in sorted(per_layer.items(), key=lambda item: -item[1])
    )
    functions.sort(key=lambda item: -item[1])
    return ProfileSummary(workload, total, layers, tuple(functions[:top]))


def _short(file: str) -> str:
    for marker in ("site-packages/", f"{REPO}/shared/", f"{REPO}/", "/lib/python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file
