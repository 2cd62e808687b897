"""The layering of docs/architecture.md holds: import-linter's contracts (pyproject.toml) over the real tree, and
each contract shown to catch the import it forbids, in a copy of the tree with that one import added."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TREES = ("shared/billing", "functions", "local_gateway", "tools")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{root / 'shared'}{os.pathsep}{root}", "NO_COLOR": "1"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_tree_keeps_its_layers() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    for tree in TREES:
        shutil.copytree(ROOT / tree, copy / tree, ignore=shutil.ignore_patterns("__pycache__", "*.json"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


BAD_IMPORTS = [
    ("shared/billing/services/usage.py", "import billing.adapters.sqlite.usage", "billing.services"),
    ("shared/billing/services/usage.py", "import sqlite3", "sqlite3"),
    ("shared/billing/domain/usage.py", "import billing.services.usage", "billing.domain"),
    ("shared/billing/domain/usage.py", "import boto3", "boto3"),
    ("shared/billing/pricing/factory.py", "import os", "os"),
    ("shared/billing/adapters/sqlite/usage.py", "import billing.services.usage", "billing.adapters"),
    ("shared/billing/http/body.py", "import functions.get_customer.app", "functions"),
    ("shared/billing/http/body.py", "import billing.adapters.dynamodb.usage", "billing.adapters"),
    ("functions/get_customer/app.py", "import billing.adapters.sqlite.usage", "billing.adapters"),
    ("functions/get_customer/app.py", "import boto3", "boto3"),
]


@pytest.mark.parametrize(("module", "statement", "named"), BAD_IMPORTS, ids=[f"{m}: {s}" for m, s, _ in BAD_IMPORTS])
def test_a_forbidden_import_breaks_the_build(tree_copy: Path, module: str, statement: str, named: str) -> None:
    path = tree_copy / module
    original = path.read_text()
    path.write_text(f"{original}\n{statement}  # noqa\n")
    try:
        result = lint_imports(tree_copy)
    finally:
        path.write_text(original)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert named in result.stdout
