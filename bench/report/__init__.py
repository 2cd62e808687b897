"""docs/benchmarks.md and its plot, from one suite's results. Here the outline; each section's prose template in
sections.py, its tables in tables.py, the figures against the issue's targets in targets.py, the plot in plot.py.
What profiling found and what changed because of it is prose, kept in docs/performance.md."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import REPO
from bench.billing_run import BillingFigures
from bench.cold_start import ColdStartFigures
from bench.dynamodb import DynamoFigures
from bench.ingest import IngestFigures
from bench.machine import Machine
from bench.report import sections
from bench.report.plot import plot
from bench.report.targets import verdicts
from bench.scale import ScaleFigures
from bench.sizes import Sizes
from bench.usage_read import UsageFigures

__all__ = ["SECTIONS", "Results", "render", "verdicts", "write"]

NOTES = REPO / "docs" / "performance.md"

SECTIONS = (
    "## Summary",
    "## Machine",
    "## Commands",
    "## 1. Ingest",
    "## 2. Usage read",
    "## 3. Billing run",
    "## 4. Cold start",
    "## 5. Scale curve",
    "## 6. DynamoDB (moto)",
    "## Profiling and optimisations",
)


@dataclass(frozen=True)
class Results:
    sizes: Sizes
    machine: Machine
    load_at_start: tuple[float, float, float]
    command: str
    started: datetime
    duration_s: float
    ingest: IngestFigures
    usage: UsageFigures
    billing: BillingFigures
    cold_start: ColdStartFigures
    scale: ScaleFigures
    dynamodb: DynamoFigures


def render(results: Results, plot_name: str, notes: str = "performance.md") -> str:
    """The report; `notes` is docs/performance.md's path as seen from it."""
    return "\n".join(
        [
            *sections.header(results),
            *sections.summary(results),
            *sections.machine(results),
            *sections.commands(results),
            *sections.ingest(results, notes),
            *sections.usage(results),
            *sections.billing(results, notes),
            *sections.cold_start(results, notes),
            *sections.scale(results, plot_name, notes),
            *sections.dynamodb(results),
            *sections.optimisations(notes),
        ]
    )


def write(results: Results, markdown: Path) -> Path:
    """Write the report and its plot (next to it: <name>-scale.png); return the plot's path."""
    image = markdown.with_name(f"{markdown.stem}-scale.png")
    plot(results, image)
    markdown.parent.mkdir(parents=True, exist_ok=True)
    notes = Path(os.path.relpath(NOTES, markdown.resolve().parent)).as_posix()
    markdown.write_text(render(results, image.name, notes) + "\n", encoding="utf-8")
    return image
