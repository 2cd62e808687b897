"""Storage contract: billing runs, API keys, meters, and the health probe."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from billing.domain.api_keys import ApiKey
from billing.domain.billing_runs import MAX_OUTCOMES_PER_WRITE, BillingRunRecord, CustomerOutcome, OutcomeStatus
from billing.domain.errors import BillingRunNotFound, Conflict, InvalidInput, NotFound
from billing.domain.meters import Meter

from tests.hostile_inputs import CRAFTED_CURSORS, crafted_cursor
from tests.integration.builders import NOW, D, customer, every


class TestBillingRuns:
    def test_a_run_counts_queued_billed_and_failed_customers_once_each(self, store):
        store.billing_runs.add(BillingRunRecord("run_1", "2025-09", NOW, unit_price=D("0.01")))
        with pytest.raises(Conflict):
            store.billing_runs.add(BillingRunRecord("run_1", "2025-10", NOW))
        assert store.billing_runs.advance(
            "run_1", from_position=None, to_position="p1", queued=3, planned=False, at=NOW
        )
        assert store.billing_runs.advance("run_1", from_position="p1", to_position=None, queued=1, planned=True, at=NOW)
        failed = CustomerOutcome("c2", OutcomeStatus.FAILED, NOW, reason="quantity out of range")
        billed = CustomerOutcome("c1", OutcomeStatus.BILLED, NOW, "inv_1")
        store.billing_runs.record_outcomes("run_1", [billed, failed])
        store.billing_runs.record_outcomes("run_1", [billed])  # a redelivered message
        store.billing_runs.record_outcomes(
            "run_1", [failed, CustomerOutcome("c3", OutcomeStatus.FAILED, NOW, reason="x")]
        )
        retried = CustomerOutcome(
            "c3", OutcomeStatus.BILLED, NOW + timedelta(seconds=5), "inv_3"
        )  # a retry that worked
        store.billing_runs.record_outcomes("run_1", [retried])
        store.billing_runs.record_outcomes("run_1", [])
        run = store.billing_runs.get("run_1")
        assert (run.period, run.unit_price, run.customers_queued) == ("2025-09", D("0.01"), 4)
        assert (run.customers_billed, run.customers_failed, run.planned, run.is_done) == (2, 1, True, False)
        assert every(store.billing_runs.outcomes, run_id="run_1", status=OutcomeStatus.FAILED, limit=1) == [failed]
        assert len(every(store.billing_runs.outcomes, run_id="run_1", limit=2)) == 3
        assert retried in every(store.billing_runs.outcomes, run_id="run_1", status=OutcomeStatus.BILLED, limit=5)
        assert store.billing_runs.get("run_missing") is None

    def test_counting_for_an_unknown_run_is_refused(self, store):
        with pytest.raises(BillingRunNotFound):
            store.billing_runs.advance(
                "run_missing", from_position=None, to_position=None, queued=3, planned=True, at=NOW
            )
        with pytest.raises(BillingRunNotFound):
            store.billing_runs.record_outcomes("run_missing", [CustomerOutcome("c1", OutcomeStatus.BILLED, NOW)])
        assert store.billing_runs.get("run_missing") is None

    def test_a_full_write_of_outcomes_counts_each_customer(self, store):
        store.billing_runs.add(BillingRunRecord("run_2", "2025-09", NOW))
        outcomes = [
            CustomerOutcome(f"c{n}", OutcomeStatus.BILLED, NOW, f"inv_{n}") for n in range(MAX_OUTCOMES_PER_WRITE)
        ]
        store.billing_runs.record_outcomes("run_2", outcomes)
        store.billing_runs.record_outcomes("run_2", outcomes)
        assert store.billing_runs.get("run_2").customers_billed == MAX_OUTCOMES_PER_WRITE

    def test_outcomes_keep_the_features_billed_without_a_price_and_the_run_counts_those_customers(self, store):
        store.billing_runs.add(BillingRunRecord("run_3", "2025-09", NOW))
        unpriced = CustomerOutcome("c1", OutcomeStatus.BILLED, NOW, "inv_1", unpriced_features=("storage", "sms"))
        priced = CustomerOutcome("c2", OutcomeStatus.BILLED, NOW, "inv_2")
        failed = CustomerOutcome("c3", OutcomeStatus.FAILED, NOW, reason="x")
        also_unpriced = CustomerOutcome("c4", OutcomeStatus.BILLED, NOW, "inv_4", unpriced_features=("api_calls",))
        store.billing_runs.record_outcomes("run_3", [unpriced, priced, failed, also_unpriced])
        store.billing_runs.record_outcomes("run_3", [unpriced])  # a redelivered message counts once

        assert store.billing_runs.get("run_3").customers_with_unpriced_usage == 2
        listed = every(store.billing_runs.outcomes, run_id="run_3", unpriced=True, limit=1)
        assert sorted(listed, key=lambda o: o.customer_id) == [unpriced, also_unpriced]
        assert priced in every(store.billing_runs.outcomes, run_id="run_3", status=OutcomeStatus.BILLED, limit=5)

    def test_an_unpriced_outcome_replaced_by_a_failure_leaves_the_count(self, store):
        store.billing_runs.add(BillingRunRecord("run_4", "2025-09", NOW))
        unpriced = CustomerOutcome("c1", OutcomeStatus.BILLED, NOW, "inv_1", unpriced_features=("storage",))
        store.billing_runs.record_outcomes("run_4", [unpriced])
        failed = CustomerOutcome("c1", OutcomeStatus.FAILED, NOW + timedelta(seconds=5), reason="dead-lettered")
        store.billing_runs.record_outcomes("run_4", [failed])

        run = store.billing_runs.get("run_4")
        assert (run.customers_billed, run.customers_failed, run.customers_with_unpriced_usage) == (0, 1, 0)
        assert every(store.billing_runs.outcomes, run_id="run_4", unpriced=True, limit=5) == []


class TestBillingRunProgress:
    """What a sweep needs to tell a dead starter from a slow one and resume it: a position moved conditionally,
    a heartbeat, a claim that only one sweep wins, a failure with its reason, the unfinished runs listed."""

    def test_progress_moves_only_from_the_position_the_run_is_at_and_stops_once_planned(self, store):
        store.billing_runs.add(BillingRunRecord("run_p", "2025-09", NOW))
        later = NOW + timedelta(minutes=1)
        assert store.billing_runs.advance(
            "run_p", from_position=None, to_position="c1", queued=3, planned=False, at=later
        )
        # a second starter that read the run before that move is refused and counts nothing
        assert not store.billing_runs.advance(
            "run_p", from_position=None, to_position="c1", queued=3, planned=False, at=later
        )
        run = store.billing_runs.get("run_p")
        assert (run.position, run.customers_queued, run.heartbeat_at, run.status) == ("c1", 3, later, "running")
        assert store.billing_runs.advance(
            "run_p", from_position="c1", to_position=None, queued=2, planned=True, at=later
        )
        assert not store.billing_runs.advance(
            "run_p", from_position=None, to_position=None, queued=1, planned=True, at=later
        )
        run = store.billing_runs.get("run_p")
        assert (run.position, run.customers_queued, run.planned, run.is_unfinished) == (None, 5, True, False)

    def test_a_stale_run_is_claimed_by_one_sweep_and_a_fresh_one_by_none(self, store):
        store.billing_runs.add(BillingRunRecord("run_s", "2025-09", NOW))
        assert store.billing_runs.claim_stale("run_s", stale_before=NOW, at=NOW) is None  # progress at NOW: not stale
        sweep_at = NOW + timedelta(minutes=20)
        claimed = store.billing_runs.claim_stale("run_s", stale_before=NOW + timedelta(minutes=5), at=sweep_at)
        assert (claimed.id, claimed.resumptions, claimed.heartbeat_at) == ("run_s", 1, sweep_at)
        # a second sweep with the same view finds it fresh again
        assert store.billing_runs.claim_stale("run_s", stale_before=NOW + timedelta(minutes=5), at=sweep_at) is None
        assert store.billing_runs.get("run_s").resumptions == 1
        assert store.billing_runs.claim_stale("run_missing", stale_before=sweep_at, at=sweep_at) is None

    def test_a_failed_run_keeps_its_reason_and_leaves_the_unfinished_ones(self, store):
        for run_id in ("run_a", "run_b", "run_c", "run_d"):
            store.billing_runs.add(BillingRunRecord(run_id, "2025-09", NOW))
        store.billing_runs.advance("run_d", from_position=None, to_position=None, queued=0, planned=True, at=NOW)
        assert store.billing_runs.fail("run_b", "its starter stopped", at=NOW + timedelta(hours=1))
        assert not store.billing_runs.fail("run_b", "again", at=NOW)
        assert not store.billing_runs.fail("run_d", "planned runs are the queue's", at=NOW)
        failed = store.billing_runs.get("run_b")
        assert (failed.status, failed.failure, failed.is_unfinished) == ("failed", "its starter stopped", False)
        assert not store.billing_runs.advance(
            "run_b", from_position=None, to_position=None, queued=1, planned=True, at=NOW
        )
        assert store.billing_runs.claim_stale("run_b", stale_before=NOW + timedelta(days=1), at=NOW) is None
        unfinished = every(store.billing_runs.unfinished, limit=1)
        assert sorted(run.id for run in unfinished) == ["run_a", "run_c"]
        assert all(run.heartbeat_at == NOW and run.failure is None for run in unfinished)


class TestApiKeys:
    def key(self, key_id="key_1", secret_hash="h1", customer_id=None) -> ApiKey:
        return ApiKey(key_id, secret_hash, "sk_abcd", NOW, customer_id=customer_id, name="ci")

    def test_keys_are_found_by_id_and_secret_hash_and_listed(self, store):
        store.api_keys.add(self.key())
        store.api_keys.add(self.key("key_2", "h2", customer_id="c1"))
        assert store.api_keys.get("key_2") == self.key("key_2", "h2", customer_id="c1")
        assert store.api_keys.get_by_secret_hash("h1") == self.key()
        assert store.api_keys.get_by_secret_hash("nope") is None
        assert sorted(k.id for k in every(store.api_keys.list, limit=1)) == ["key_1", "key_2"]
        with pytest.raises(Conflict):
            store.api_keys.add(self.key("key_3", "h1"))
        assert store.api_keys.get("key_3") is None

    def test_revoking_is_idempotent_and_keeps_the_first_time(self, store):
        store.api_keys.add(self.key())
        revoked = store.api_keys.revoke("key_1", NOW)
        again = store.api_keys.revoke("key_1", NOW + timedelta(hours=1))
        assert revoked.revoked_at == again.revoked_at == NOW
        assert store.api_keys.get_by_secret_hash("h1").is_active is False
        with pytest.raises(NotFound):
            store.api_keys.revoke("key_missing", NOW)


class TestMeters:
    def test_meters_are_one_per_feature_and_found_by_event_type(self, store):
        calls = Meter("api_calls", "request", NOW)
        eu = Meter("api_calls_eu", "request", NOW, value_property="usage.count", filters={"region": ("eu", "eu-2")})
        store.meters.add(calls)
        store.meters.add(eu)
        store.meters.add(Meter("storage", "snapshot", NOW, value_property="gb"))
        with pytest.raises(Conflict):
            store.meters.add(Meter("api_calls", "other", NOW))
        assert store.meters.get("api_calls_eu") == eu
        assert store.meters.get("nope") is None
        assert sorted(m.feature for m in store.meters.for_event_type("request")) == ["api_calls", "api_calls_eu"]
        assert store.meters.for_event_type("unknown") == []
        assert len(every(store.meters.list, limit=2)) == 3


def test_the_health_probe_passes_on_a_working_store(store):
    store.check()


PAGED_LISTINGS = {
    "customers": lambda store, cursor: store.customers.list(limit=2, cursor=cursor),
    "plans": lambda store, cursor: store.plans.list(limit=2, cursor=cursor),
    "api keys": lambda store, cursor: store.api_keys.list(limit=2, cursor=cursor),
    "meters": lambda store, cursor: store.meters.list(limit=2, cursor=cursor),
    "invoices": lambda store, cursor: store.invoices.list(limit=2, cursor=cursor),
    "a customer's invoices": lambda store, cursor: store.invoices.list_for_customer("c1", limit=2, cursor=cursor),
    "drafts due": lambda store, cursor: store.invoices.drafts_due(period_end_before=NOW, limit=2, cursor=cursor),
    "run outcomes": lambda store, cursor: store.billing_runs.outcomes("run_1", limit=2, cursor=cursor),
}


@pytest.mark.parametrize("listing", sorted(PAGED_LISTINGS))
def test_a_cursor_the_listing_never_made_is_invalid_input_naming_cursor(store, listing):
    for name, cursor in CRAFTED_CURSORS.items():
        with pytest.raises(InvalidInput) as error:
            PAGED_LISTINGS[listing](store, cursor)
        assert error.value.field == "cursor", name


def test_a_real_cursor_with_its_values_changed_in_type_is_invalid_input_naming_cursor(store):
    for n in range(3):
        store.customers.add(customer(f"c{n}", f"c{n}@acme.example"))
    real = store.customers.list(limit=1).cursor
    assert real is not None
    position = json.loads(base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)))
    for changed in (["N", "abc"], ["N", "1e400"], ["S", ""], 10**400, {"a": 1}):
        crafted = crafted_cursor({name: changed for name in position})
        with pytest.raises(InvalidInput) as error:
            store.customers.list(limit=2, cursor=crafted)
        assert error.value.field == "cursor", changed
