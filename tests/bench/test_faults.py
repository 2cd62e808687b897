"""The fault harness (bench/faults.py) on small sizes: real gateway processes on loopback, killed and raced."""

from __future__ import annotations

import pytest

from bench import faults

pytestmark = pytest.mark.e2e

SQLITE = {"STORAGE_BACKEND": "sqlite"}


@pytest.fixture(scope="module")
def dynamodb_env():
    """moto's server in this process with the template's table and queues; this process plays the SQS event
    source, so killed gateways lose nothing and billing runs fan out through the queue."""
    with faults.backend("dynamodb") as env:
        yield env


def test_concurrent_writers_with_shared_duplicates_store_exact_totals(tmp_path):
    result = faults.concurrent_writers(tmp_path, SQLITE, writers=2, batches=3, size=50)
    assert result["exact"] is True
    assert result["accepted"] == result["distinct ids"]
    assert result["accepted"] + result["duplicates"] < result["events sent"] + 1


def test_sigkill_mid_ingest_loses_nothing_acknowledged_and_half_writes_no_batch(tmp_path):
    result = faults.kills(tmp_path, SQLITE, kills=2, size=50)
    assert result["half-written batches"] == 0
    assert result["lost or doubled"] is False
    assert result["stored total"] == result["expected total"]


def test_two_billing_runs_at_once_make_one_invoice_per_customer(tmp_path):
    result = faults.racing_runs(tmp_path, SQLITE, customers=4)
    assert result["statuses"] == [200, 200]
    assert result["invoices per customer"] == [1]


def test_racing_finalizations_across_processes_spend_credit_once_and_answer_200(tmp_path):
    result = faults.racing_finalizations(tmp_path, SQLITE, invoices=3, callers=4)
    assert result["non-200 answers"] == 0
    assert result["invoice statuses"] == ["finalized"]
    assert result["credit balances after"] == ["0.00"]


def test_on_dynamodb_sigkill_loses_nothing_and_racing_finalizations_answer_200(tmp_path, dynamodb_env):
    killed = faults.kills(tmp_path / "kills", dynamodb_env, kills=1, size=20)
    assert killed["lost or doubled"] is False
    raced = faults.racing_finalizations(tmp_path / "final", dynamodb_env, invoices=2, callers=3)
    assert (raced["non-200 answers"], raced["invoice statuses"], raced["credit balances after"]) == (
        0,
        ["finalized"],
        ["0.00"],
    )


def test_sigkill_during_run_starts_leaves_no_run_stuck_after_the_schedules_sweep(tmp_path):
    # before: the killed runs stayed "running" forever (queued 400, billed 0 on SQLite)
    result = faults.run_start_kills(tmp_path, SQLITE, customers=200, kills=1, retry_every=2, in_run=True)
    assert result["running before the sweep"] == 1  # killed while billing its page: queued 0, billed 0
    assert (result["stuck runs after the sweep"], result["failed runs"]) == (0, 0)
    assert (result["invoices per customer"], result["totals exact"]) == ([1], True)


def test_on_dynamodb_sigkill_during_a_run_start_leaves_no_run_stuck(tmp_path, dynamodb_env):
    result = faults.run_start_kills(tmp_path, dynamodb_env, customers=12, kills=1, retry_every=2, in_run=True)
    assert result["running before the sweep"] == 1  # killed while its shards were being sent: queued 0
    assert result["stuck runs after the sweep"] == 0
    assert (result["invoices per customer"], result["totals exact"]) == ([1], True)
