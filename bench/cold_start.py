"""Cold start: each function's module import in a fresh interpreter, against a bare interpreter.

For every functions/<name>/app.py, a new `python -c` process imports `app` with the function's folder
and the layer (shared/) on PYTHONPATH, as Lambda has them, and reports how long the import took and
whether boto3 or the X-Ray SDK came with it. The bare interpreter is `python -c pass` with the same
environment; the process wall time of both is measured from outside too. With .pyc files (warm: the
imports are run once first) and, in the full suite, without them (`sam build` ships none, so a real
cold start compiles: a throw-away, empty pycache prefix forces that).
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
from bench.stats import median

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

    @property
    def worst(self) -> FunctionColdStart:
        return max(self.functions, key=lambda function: function.import_ms)


def function_names(only: tuple[str, ...] | None = None) -> list[str]:
    names = sorted(path.parent.name for path in FUNCTIONS_DIR.glob("*/app.py"))
    return [name for name in names if only is None or name in only]


def _environment(name: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "BILLING_"))}
    paths = [str(FUNCTIONS_DIR / name)] if name else []
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(LAYER_DIR)])
    env["POWERTOOLS_SERVICE_NAME"] = "billing"
    env["POWERTOOLS_METRICS_NAMESPACE"] = "UsageBilling"
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


def bare_interpreter_ms(runs: int) -> float:
    env = _environment(None)
    _run(["-c", "pass"], env)
    return median([_run(["-c", "pass"], env)[0] for _ in range(runs)])


def measure_function(name: str, runs: int, *, uncompiled: bool) -> FunctionColdStart:
    env = _environment(name)
    _run(["-c", PROBE], env)  # writes the .pyc files of whatever is missing them
    imports, walls, probe = [], [], {}
    for _ in range(runs):
        wall_ms, out = _run(["-c", PROBE], env)
        probe = json.loads(out)
        imports.append(probe["import_s"] * 1000)
        walls.append(wall_ms)
    uncompiled_ms = None
    if uncompiled:
        times = []
        for _ in range(max(1, runs - 2)):  # each compiles everything: fewer, and only for orientation
            with tempfile.TemporaryDirectory() as prefix:
                _, out = _run(["-X", f"pycache_prefix={prefix}", "-B", "-c", PROBE], env)
            times.append(json.loads(out)["import_s"] * 1000)
        uncompiled_ms = median(times)
    return FunctionColdStart(
        name, median(imports), median(walls), uncompiled_ms, probe["boto3"], probe["xray"], probe["modules"]
    )


def measure(sizes, *, show_progress: bool) -> ColdStartFigures:
    names = function_names(sizes.cold_start_functions)
    results = []
    with data.progress(len(names), "cold starts", enabled=show_progress, unit="fn") as bar:
        bare_ms = bare_interpreter_ms(sizes.cold_start_runs)
        for name in names:
            results.append(measure_function(name, sizes.cold_start_runs, uncompiled=sizes.cold_start_uncompiled))
            bar.update()
    return ColdStartFigures(bare_ms, sizes.cold_start_runs, tuple(results))
