"""The SAM CLI accepts and builds the template (it lives in its own virtualenv: `make test` sets SAM_CLI)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.sam


def sam(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    executable = os.environ.get("SAM_CLI") or str(ROOT / ".venv-sam" / "bin" / "sam")
    assert Path(executable).exists(), "SAM CLI not installed: run `make test` (it installs .venv-sam)"
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run(
        [executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_sam_validate_lint_is_clean():
    result = sam("validate", "--lint", "--template", "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_sam_build_packs_every_function_and_a_precompiled_arm64_core_layer(tmp_path):
    result = sam("build", "--template", "template.yaml", "--build-dir", str(tmp_path / "build"), "--parallel")
    assert result.returncode == 0, result.stdout + result.stderr
    layer = tmp_path / "build" / "BillingCoreLayer" / "python"
    assert (layer / "billing" / "adapters" / "sqlite" / "migrations" / "0001_initial.sql").exists()
    assert list(layer.glob("pydantic_core/_pydantic_core.cpython-312-aarch64-linux-gnu.so"))
    assert (tmp_path / "build" / "IngestEventsFunction" / "app.py").exists()
    # The docs page ships every function module (it reads each one's route declaration); the document's
    # function ships its own folder with the document generated at build time (`make openapi`).
    assert (tmp_path / "build" / "OpenApiFunction" / "openapi.json").exists()
    assert (tmp_path / "build" / "DocsFunction" / "get_customer" / "app.py").exists()
    # Lambda's /opt is read-only: without bytecode in the layer every cold start recompiles it.
    assert (layer / "billing" / "services" / "__pycache__" / "billing.cpython-312.pyc").exists()
    assert (layer / "pydantic" / "__pycache__" / "main.cpython-312.pyc").exists()
