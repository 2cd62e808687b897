"""Scale curve: ingest (real path and raw) and billing (run and raw scan) at growing event counts.

Ingest sends every event through the handler in batches, into a fresh database; billing bills
`events / scale_events_per_customer` customers with that many events. Cost must grow linearly or
better: the fitted exponent k (cost ∝ events^k) says it, and the plot shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench import billing_run, data, ingest, lambda_env
from bench.billing_run import BillingFigures
from bench.ingest import IngestFigures
from bench.stats import growth_exponent, median


@dataclass(frozen=True)
class ScalePoint:
    events: int
    customers: int  # of the billing dataset
    ingest_s: float
    ingest_raw_s: float
    billing_s: float
    scan_s: float


@dataclass(frozen=True)
class ScaleFigures:
    points: tuple[ScalePoint, ...]
    runs: int

    def exponent(self, attribute: str) -> float:
        return growth_exponent([p.events for p in self.points], [getattr(p, attribute) for p in self.points])


def measure(
    functions: lambda_env.Functions,
    workdir: Path,
    sizes,
    *,
    reuse: BillingFigures | None = None,
    reuse_ingest: IngestFigures | None = None,
    show_progress: bool,
) -> ScaleFigures:
    points = []
    for events in sizes.scale_events:
        customers = max(1, events // sizes.scale_events_per_customer)
        if reuse_ingest is not None and reuse_ingest.events == events:
            runs = list(reuse_ingest.runs)  # the ingest benchmark's own runs: same workload, measured already
        else:
            runs = [
                ingest.ingest_run(
                    functions,
                    workdir,
                    events,
                    customers=sizes.ingest_customers,
                    batch_size=sizes.batch_size,
                    seed=200 + index,
                    real_first=index % 2 == 0,
                    with_adapter=False,
                )
                for index in range(sizes.scale_runs)
            ]
        if reuse is not None and (reuse.dataset.events, reuse.dataset.customers) == (events, customers):
            billing = reuse  # the billing benchmark's own dataset: measured already, in this run
        else:
            dataset = billing_run.prepare(workdir, f"scale-{events}", customers, events, show_progress=show_progress)
            billing = billing_run.measure_dataset(dataset, workdir, sizes.scale_runs, show_progress=show_progress)
        points.append(
            ScalePoint(
                events=events,
                customers=customers,
                ingest_s=median([run.real_s for run in runs]),
                ingest_raw_s=median([run.raw_s for run in runs]),
                billing_s=billing.billing_s,
                scan_s=billing.scan_s,
            )
        )
        if show_progress:
            data.tqdm.write(f"scale: {events:,} events done")
    return ScaleFigures(tuple(points), sizes.scale_runs)
