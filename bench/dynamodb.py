"""DynamoDB (moto): the same code path's relative cost, once a DynamoDB adapter exists.

An emulator figure, never an AWS one: moto runs in this process, so it says how much more work the
adapter's Python does per operation, not what DynamoDB's latency would be.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench import LAYER_DIR

ADAPTER_DIR = LAYER_DIR / "billing" / "adapters" / "dynamodb"


@dataclass(frozen=True)
class DynamoFigures:
    measured: bool
    note: str


def measure() -> DynamoFigures:
    if not ADAPTER_DIR.is_dir():
        return DynamoFigures(False, "not measured: no DynamoDB adapter yet (shared/billing/adapters/dynamodb)")
    return DynamoFigures(
        False,
        "not measured: a DynamoDB adapter exists but the benchmark does not drive it yet "
        "(bench/dynamodb.py is the place: build its storage under moto.mock_aws and rerun the ingest, "
        "usage-read and billing paths against it)",
    )
