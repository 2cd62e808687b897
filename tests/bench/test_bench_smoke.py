"""The benchmark suite runs end to end on a tiny workload and writes a complete report.

Benchmarks are not tests: nothing here looks at a timing, only at the machinery.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from billing import bootstrap

from bench import __main__ as bench_main
from bench import report, sizes

# Every variable the bench sets for the handlers, so that monkeypatch puts them back afterwards.
_BENCH_ENV = (
    "BILLING_DB_PATH",
    "BILLING_ADMIN_API_KEY",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """One run of the tiny preset (a few hundred events, one function's cold start); its report's path."""
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "docs" / "benchmarks.md"
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in _BENCH_ENV:
            monkeypatch.setenv(name, "placeholder")
        monkeypatch.setenv("BILLING_DB_PATH", str(folder / "unused.db"))
        arguments = ["--preset", "tiny", "--out", str(out), "--workdir", str(folder / "work"), "--no-progress"]
        status = bench_main.main(arguments)
        bootstrap.use(None)
    assert status == 0
    return out


def test_tiny_suite_writes_every_section_and_the_plot(tiny_run):
    text = tiny_run.read_text(encoding="utf-8")
    for heading in report.SECTIONS:
        assert heading in text, heading
    for number in ("| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 5 |", "| 6 |"):
        assert number in text
    assert "tiny suite" in text
    image = tiny_run.with_name("benchmarks-scale.png")
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "benchmarks-scale.png" in text
    assert not (tiny_run.parent.parent / "work").exists()  # generated data is cleaned up


def test_a_saved_run_renders_again_without_measuring(tiny_run):
    again = tiny_run.with_name("again.md")
    saved = tiny_run.parent.parent / "tiny-results.pickle"

    assert bench_main.main(["--render", str(saved), "--out", str(again)]) == 0

    first = tiny_run.read_text(encoding="utf-8")
    assert again.read_text(encoding="utf-8") == first.replace("benchmarks-scale.png", "again-scale.png")


def test_presets_keep_the_issue_sizes_in_the_full_suite():
    full = sizes.FULL
    assert (full.batch_size, full.usage_events) == (1000, 1_000_000)
    assert (full.billing_customers, full.billing_events) == (10_000, 1_000_000)
    assert full.scale_events == (10_000, 100_000, 1_000_000)
    assert full.runs >= 3 and sizes.QUICK.runs >= 3
