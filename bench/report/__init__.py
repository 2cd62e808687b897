"""docs/benchmarks.md and its plot, from one suite's results."""

from bench.report.sections import SECTIONS, Results, render, verdicts, write

__all__ = ["SECTIONS", "Results", "render", "verdicts", "write"]
