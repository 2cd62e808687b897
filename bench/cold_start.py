"""Cold start: each function's module import in a fresh interpreter, against a bare interpreter.

For every functions/<name>/app.py, a new `python -c` process imports `app` with the function's folder
and the layer (shared/) on PYTHONPATH and the template's Globals environment, as Lambda has them, and
reports how long the import took and whether boto3 or the X-Ray SDK came with it. The bare interpreter
is `python -c pass` with the same environment; the process wall time of both is measured from outside
too. With .pyc files (warm: the imports are run once first; the layer ships precompiled bytecode) and,
in the full suite, without them (a throw-away, empty pycache prefix forces every module to compile).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from bench import LAYER_DIR, REPO, data
from bench.lambda_env import TEMPLATE
from bench.stats import median
from local_gateway.template import load_yaml

FUNCTIONS_DIR = REPO / "functions"
PROBE = """
import sys, time
started = time.perf_counter()
import app
elapsed = time.perf_counter() - started
import json
print(json.dumps({"import_s": elapsed, "boto3": "boto3" in sys.modules,
                  "xray": "aws_xray_sdk" in sys.modules, "modules": len(sys.modules)}))
"""


@dataclass(frozen=True)
class FunctionColdStart:
    name: str
    import_ms: float  # median, inside the process (with .pyc)
    process_ms: float  # median wall time of the whole process (with .pyc)
    uncompiled_import_ms: float | None  # median, without .pyc
    boto3: bool
    xray: bool
    modules: int


@dataclass(frozen=True)
class ColdStartFigures:
    bare_ms: float
    runs: int
    functions: tuple[FunctionColdStart, ...]
    breakdown: tuple[tuple[str, float], ...] = ()  # the slowest function's import: own ms per package

    @property
    def worst(self) -> FunctionColdStart:
        return max(self.functions, key=lambda function: function.import_ms)


def function_names(only: tuple[str, ...] | None = None) -> list[str]:
    names = sorted(path.parent.name for path in FUNCTIONS_DIR.glob("*/app.py"))
    return [name for name in names if only is None or name in only]


def template_environment() -> dict[str, str]:
    """The functions' environment variables from template.yaml's Globals (plain values only): some of them
    change what an import does (PYDANTIC_DISABLE_PLUGINS, Powertools' settings)."""
    document = load_yaml(TEMPLATE)
    variables = document.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    return {name: value for name, value in variables.items() if isinstance(value, str)}


def _environment(name: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "BILLING_", "POWERTOOLS"))}
    env.update(template_environment())
    paths = [str(FUNCTIONS_DIR / name)] if name else []
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(LAYER_DIR)])
    return env


def _run(arguments: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, *arguments], env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{arguments} failed:\n{completed.stderr[-2000:]}")
    return elapsed * 1000, completed.stdout


def _probe(name: str, *, compiled: bool) -> tuple[float, dict]:
    """(process wall ms, the probe's report) of one fresh interpreter importing the function."""
    env = _environment(name)
    if compiled:
        wall_ms, out = _run(["-c", PROBE], env)
    else:
        with tempfile.TemporaryDirectory() as prefix:  # an empty pycache: everything compiles, nothing is kept
            wall_ms, out = _run(["-X", f"pycache_prefix={prefix}", "-B", "-c", PROBE], env)
    return wall_ms, json.loads(out)


def measure(sizes, *, show_progress: bool) -> ColdStartFigures:
    """Round-robin over the functions (and the bare interpreter), run after run, so that a burst of load
    from elsewhere on the machine lands on every function's samples alike instead of on one function's."""
    names = function_names(sizes.cold_start_functions)
    bare_env = _environment(None)
    for name in names:
        _probe(name, compiled=True)  # writes the .pyc files of whatever is missing them
    bare: list[float] = []
    walls: dict[str, list[float]] = {name: [] for name in names}
    imports: dict[str, list[float]] = {name: [] for name in names}
    uncompiled: dict[str, list[float]] = {name: [] for name in names}
    probes: dict[str, dict] = {}
    uncompiled_runs = max(1, sizes.cold_start_runs - 2) if sizes.cold_start_uncompiled else 0
    with data.progress(sizes.cold_start_runs, "cold starts", enabled=show_progress, unit="round") as bar:
        for round_ in range(sizes.cold_start_runs):
            bare.append(_run(["-c", "pass"], bare_env)[0])
            for name in names:
                wall_ms, probes[name] = _probe(name, compiled=True)
                walls[name].append(wall_ms)
                imports[name].append(probes[name]["import_s"] * 1000)
                if round_ < uncompiled_runs:  # each compiles everything: fewer, and only for orientation
                    uncompiled[name].append(_probe(name, compiled=False)[1]["import_s"] * 1000)
            bar.update()
    results = tuple(
        FunctionColdStart(
            name,
            median(imports[name]),
            median(walls[name]),
            median(uncompiled[name]) if uncompiled[name] else None,
            probes[name]["boto3"],
            probes[name]["xray"],
            probes[name]["modules"],
        )
        for name in names
    )
    worst = max(results, key=lambda function: function.import_ms)
    return ColdStartFigures(median(bare), sizes.cold_start_runs, results, import_breakdown(worst.name))


def import_breakdown(name: str, *, top: int = 8) -> tuple[tuple[str, float], ...]:
    """`python -X importtime` of one import of the function: each module's own time, summed per package
    (per subpackage for the billing core), largest first. importtime's own overhead inflates the total."""
    env = _environment(name)
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import app"],
        env=env,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=True,
    )
    totals: dict[str, float] = {}
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _, module = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if not own.isdigit():
            continue  # the header line
        parts = module.split(".")
        package = ".".join(parts[:2]) if parts[0] == "billing" else parts[0]
        totals[package] = totals.get(package, 0.0) + int(own) / 1000
    return tuple(sorted(totals.items(), key=lambda item: -item[1])[:top])
