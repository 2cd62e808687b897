"""Build checks for the dashboard in frontend/ (TypeScript compiled by tsc, no bundler).

Runs the real npm scripts: `npm ci` when node_modules is missing, `npm run typecheck`, `npm run check-generated`
(the wire types generated from the OpenAPI document are current),
then inspects a build of the dashboard laid out as `npm run build` makes it (`make test` runs the
real script): the static files are there, every form control
with an id has a <label for=id>, every button has visible text, and every ES module
import is a relative ".js" path that exists (the browser loads them unbundled).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
NPM_TIMEOUT = 600


def _npm(*args: str) -> subprocess.CompletedProcess[str]:
    npm = shutil.which("npm")
    assert npm, "npm is not on PATH (Node 20+ is required to build the dashboard)"
    env = {
        **os.environ,
        "CI": "true",
        "NO_UPDATE_NOTIFIER": "1",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
    }
    return subprocess.run(
        [npm, *args],
        cwd=FRONTEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT,
        check=False,
    )


def _assert_ok(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert result.returncode == 0, f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def node_modules() -> Path:
    bins = [FRONTEND / "node_modules" / ".bin" / name for name in ("tsc", "openapi-typescript")]
    if not all(b.exists() for b in bins):
        _assert_ok(_npm("ci"), "npm ci")
    assert all(b.exists() for b in bins), "npm ci did not install typescript and openapi-typescript"
    return FRONTEND / "node_modules"


@pytest.fixture(scope="module")
def dist(node_modules: Path, dashboard_build: Path) -> Path:
    """The dashboard as `npm run build` lays it out, built for this session (tests/conftest.py)."""
    return dashboard_build


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[tuple[str, dict[str, str | None]]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.buttons: list[dict[str, object]] = []
        self.scripts: list[dict[str, str | None]] = []
        self._button: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag in ("input", "select", "textarea"):
            self.controls.append((tag, a))
        elif tag == "label" and a.get("for"):
            self.label_for.add(str(a["for"]))
        elif tag == "button":
            self._button = {"attrs": a, "text": ""}
        elif tag == "script":
            self.scripts.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None:
            self.buttons.append(self._button)
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button["text"] = str(self._button["text"]) + data


@pytest.fixture(scope="module")
def page(dist: Path) -> _FormParser:
    parser = _FormParser()
    parser.feed((dist / "index.html").read_text(encoding="utf-8"))
    parser.close()
    return parser


def _package() -> dict[str, Any]:
    return json.loads((FRONTEND / "package.json").read_text(encoding="utf-8"))


def _assert_pinned(name: str, pattern: str = r"\d+\.\d+\.\d+") -> None:
    """`name` is a dev dependency pinned to one version (matching `pattern`), the one package-lock.json holds."""
    version = _package()["devDependencies"][name]
    assert re.fullmatch(pattern, version), f"{name} must be pinned exactly, got {version!r}"
    lock = json.loads((FRONTEND / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_typescript_pinned_to_exact_5x() -> None:
    _assert_pinned("typescript", r"5\.\d+\.\d+")
    assert {"build", "typecheck"} <= set(_package()["scripts"])


def test_typecheck_passes(node_modules: Path) -> None:
    _assert_ok(_npm("run", "typecheck"), "npm run typecheck")


def test_openapi_typescript_pinned_and_wire_types_current(node_modules: Path) -> None:
    """src/openapi.d.ts is what `npm run generate` makes of functions/openapi/openapi.json today: after a change
    to the API, `make openapi` then `cd frontend && npm run generate`, and commit both."""
    _assert_pinned("openapi-typescript")
    _assert_ok(_npm("run", "--silent", "check-generated"), "src/openapi.d.ts is stale: run `npm run generate`")


def test_build_outputs_static_files_and_modules(dist: Path) -> None:
    for name in ("index.html", "main.js", "styles.css"):
        assert (dist / name).is_file(), f"dist/{name} missing after npm run build"
    for name in ("api.js", "chart.js", "views/plans.js", "plan-editor.js", "plan-model.js", "views/invoice.js"):
        assert (dist / name).is_file(), f"dist/{name} missing after npm run build"


def test_index_loads_main_as_module_and_nothing_inline(dist: Path, page: _FormParser) -> None:
    """The page works under `script-src 'self'`: one module script, no inline script or event handler."""
    assert page.scripts == [{"type": "module", "src": "./main.js"}], page.scripts
    html = (dist / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler in index.html"
    assert "script-src 'self'" in html
    for js in dist.rglob("*.js"):
        text = js.read_text(encoding="utf-8")
        for forbidden in (".innerHTML", "eval(", "new Function(", 'setAttribute("on', '"style"'):
            assert forbidden not in text, f"{js.relative_to(dist)} uses {forbidden}"


def test_static_controls_are_labelled_and_ids_unique(page: _FormParser) -> None:
    # The views build their forms at run time (the browser tests check those); the shell has only links.
    missing = [f"<{tag} id={a.get('id')}>" for tag, a in page.controls if a.get("id") not in page.label_for]
    assert not missing, f"controls without <label for=...>: {missing}"
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert {"main", "nav", "view", "skip-link"} <= set(page.ids)


def test_pure_modules_pass_their_node_unit_tests(dist: Path) -> None:
    """decimal, time, chart scaling, error mapping, routes, bulk events, plans and invoice labels: `node --test`."""
    node = shutil.which("node")
    assert node, "node is not on PATH (Node 20+ is required)"
    result = subprocess.run(
        [node, "--test", "test/"],
        cwd=FRONTEND,
        env={**os.environ, "DASHBOARD_DIST": str(dist)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"node --test failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    assert re.search(r"^# pass [1-9]\d*$", result.stdout, re.M), result.stdout[-2000:]
    assert re.search(r"^# fail 0$", result.stdout, re.M), result.stdout[-2000:]


def test_axe_core_pinned_for_the_browser_tests() -> None:
    _assert_pinned("axe-core")


_IMPORT = re.compile(
    r"""(?:^|;|\s)(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']"""  # import/export ... from "x"
    r"""|import\(\s*["']([^"']+)["']\s*\)"""  # dynamic import("x")
)


def test_module_imports_resolve_in_the_browser(dist: Path) -> None:
    js_files = sorted(dist.rglob("*.js"))
    assert js_files
    problems = []
    for js in js_files:
        for match in _IMPORT.finditer(js.read_text(encoding="utf-8")):
            spec = match.group(1) or match.group(2)
            if not (spec.startswith("./") or spec.startswith("../")) or not spec.endswith(".js"):
                problems.append(f"{js.relative_to(dist)}: {spec!r} is not a relative .js path")
            elif not (js.parent / spec).resolve().is_file():
                problems.append(f"{js.relative_to(dist)}: {spec!r} does not exist in dist/")
    assert not problems, "\n".join(problems)
