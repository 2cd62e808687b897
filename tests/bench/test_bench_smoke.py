"""The benchmark suite runs end to end on a tiny workload and writes a complete report.

Benchmarks are not tests: nothing here looks at a timing, only at the machinery.
"""

from __future__ import annotations

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


@pytest.fixture
def bench_environment(monkeypatch, tmp_path):
    for name in _BENCH_ENV:
        monkeypatch.setenv(name, "placeholder")
    monkeypatch.setenv("BILLING_DB_PATH", str(tmp_path / "unused.db"))
    yield
    bootstrap.use(None)


def test_tiny_suite_writes_every_section_and_the_plot(bench_environment, tmp_path):
    # Given the tiny preset (a few hundred events, one function's cold start)
    out = tmp_path / "docs" / "benchmarks.md"

    # When the suite runs as `python -m bench` would
    status = bench_main.main(
        ["--preset", "tiny", "--out", str(out), "--workdir", str(tmp_path / "work"), "--no-progress"]
    )

    # Then the report has every section, a summary row per figure, and the plot beside it
    assert status == 0
    text = out.read_text(encoding="utf-8")
    for heading in report.SECTIONS:
        assert heading in text, heading
    for number in ("| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 5 |", "| 6 |"):
        assert number in text
    assert "tiny suite" in text
    image = out.with_name("benchmarks-scale.png")
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "benchmarks-scale.png" in text
    assert not (tmp_path / "work").exists()  # generated data is cleaned up


def test_presets_keep_the_issue_sizes_in_the_full_suite():
    full = sizes.FULL
    assert (full.batch_size, full.usage_events) == (1000, 1_000_000)
    assert (full.billing_customers, full.billing_events) == (10_000, 1_000_000)
    assert full.scale_events == (10_000, 100_000, 1_000_000)
    assert full.runs >= 3 and sizes.QUICK.runs >= 3
