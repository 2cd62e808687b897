"""The scale curve's plot: cost against size, and cost per event."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.report import Results


def plot(results: Results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = results.scale.points
    sizes = [p.events for p in points]
    series = (
        ("ingest (handler)", [p.ingest_s for p in points], "o-"),
        ("raw insert (executemany)", [p.ingest_raw_s for p in points], "o--"),
        ("billing run", [p.billing_s for p in points], "s-"),
        ("raw GROUP BY scan", [p.scan_s for p in points], "s--"),
    )
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, costs, style in series:
        left.plot(sizes, costs, style, label=label)
        right.plot(sizes, [cost / size * 1e6 for cost, size in zip(costs, sizes, strict=True)], style, label=label)
    first = points[0]
    linear = [first.ingest_s * size / first.events for size in sizes]
    left.plot(sizes, linear, ":", color="grey", label="linear (from ingest's first point)")
    left.set(xscale="log", yscale="log", xlabel="events", ylabel="seconds", title="Cost against size (log-log)")
    right.set(xscale="log", xlabel="events", ylabel="µs per event", title="Cost per event (flat = linear)")
    right.set_ylim(bottom=0)
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    for axis in (left, right):
        axis.grid(True, which="both", alpha=0.3)
    figure.suptitle(
        f"{results.sizes.name} suite, {results.machine.cores} cores, {results.machine.python}, "
        f"median of {results.scale.runs} runs per point",
        fontsize=9,
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
