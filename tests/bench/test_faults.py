"""The fault harness (bench/faults.py) on small sizes: real gateway processes on loopback, killed and raced."""

from __future__ import annotations

import pytest

from bench import faults

pytestmark = pytest.mark.e2e

SQLITE = {"STORAGE_BACKEND": "sqlite"}


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
