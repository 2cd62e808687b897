"""bench.versus compares the usage read of two checkouts in alternating processes. Nothing here looks at a
timing, only at the machinery: each side runs in a process of its own, on its own database, and reports
both kinds of request."""

from __future__ import annotations

import re
from pathlib import Path

from bench import versus

REPO_ROOT = Path(__file__).parents[2]


def test_each_side_measures_both_kinds_of_usage_request_in_a_process_of_its_own():
    figures = versus.latency(REPO_ROOT, events=500)
    assert set(figures) == {"totals", "daily"}
    for p50, p99 in figures.values():
        assert 0 < p50 <= p99


def test_the_comparison_prints_a_row_per_round_and_checkout(capsys):
    versus.main([str(REPO_ROOT), "--rounds", "1", "--events", "500"])
    rows = [line for line in capsys.readouterr().out.splitlines() if re.match(r"\| 1 \| (other|this) \|", line)]
    assert [row.split(" | ")[1] for row in rows] == ["other", "this"]
    for row in rows:
        assert len(re.findall(r"\d+\.\d\d / \d+\.\d\d", row)) == 2
