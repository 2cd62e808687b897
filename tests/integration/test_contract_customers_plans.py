"""Storage contract: customers and plans."""

from __future__ import annotations

from dataclasses import replace

import pytest
from billing.domain.errors import ConcurrentUpdate, CustomerNotFound, DuplicateEmail, DuplicateExternalId
from billing.pricing import plan_from_spec

from tests.integration.builders import NOW, customer, every


class TestCustomers:
    def test_added_customers_read_back_equal(self, store):
        store.customers.add(customer("c1"))
        assert store.customers.get("c1") == customer("c1")
        assert store.customers.get("missing") is None

    def test_emails_are_unique_ignoring_case_and_nothing_is_stored_on_refusal(self, store):
        store.customers.add(customer("c1", "Ops@Acme.example"))
        with pytest.raises(DuplicateEmail):
            store.customers.add(customer("c2", "ops@acme.EXAMPLE", external_id="ext-2"))
        assert store.customers.get("c2") is None
        assert store.customers.get_by_external_id("ext-2") is None
        store.customers.add(customer("c3", external_id="ext-2"))  # the refused write held nothing back

    def test_external_ids_are_unique_and_found(self, store):
        store.customers.add(customer("c1", external_id="acme-42"))
        with pytest.raises(DuplicateExternalId):
            store.customers.add(customer("c2", external_id="acme-42"))
        assert store.customers.get("c2") is None
        assert store.customers.get_by_external_id("acme-42") == customer("c1", external_id="acme-42")
        assert store.customers.get_by_external_id("nobody") is None
        store.customers.add(customer("c2", "other@example.com"))  # the email of the refused one is free

    def test_listing_pages_through_every_customer_once(self, store):
        ids = [f"c{n}" for n in range(7)]
        for customer_id in reversed(ids):
            store.customers.add(customer(customer_id))
        first = store.customers.list(limit=3)
        assert len(first.items) == 3 and first.cursor is not None
        listed = every(lambda cursor: store.customers.list(limit=3, cursor=cursor))
        assert sorted(c.id for c in listed) == ids

    def test_search_finds_name_or_email_prefixes_ignoring_case(self, store):
        store.customers.add(customer("c1", "billing@acme.example", name="Acme Corp"))
        store.customers.add(customer("c2", "ops@zeta.example", name="Zeta Labs"))
        store.customers.add(customer("c3", "acme-fan@other.example", name="Other"))
        assert sorted(c.id for c in store.customers.search("acme", limit=10)) == ["c1", "c3"]
        assert [c.id for c in store.customers.search("OPS@", limit=10)] == ["c2"]
        assert [c.id for c in store.customers.search("zeta l", limit=10)] == ["c2"]
        assert store.customers.search("nobody", limit=10) == []
        assert len(store.customers.search("a", limit=1)) == 1

    def test_set_plan_moves_the_version_on_and_refuses_a_stale_one(self, store):
        store.customers.add(customer("c1"))
        moved = store.customers.set_plan("c1", "plan_1", "EUR", expected_version=0)
        assert (moved.plan_id, moved.currency, moved.version) == ("plan_1", "EUR", 1)
        with pytest.raises(ConcurrentUpdate):
            store.customers.set_plan("c1", "plan_2", "USD", expected_version=0)
        with pytest.raises(CustomerNotFound):
            store.customers.set_plan("missing", "plan_1", "USD", expected_version=0)
        assert store.customers.get("c1") == moved
        assert store.customers.get("c1") == replace(customer("c1"), plan_id="plan_1", currency="EUR", version=1)


class TestPlans:
    def test_plans_are_stored_listed_and_read_back_equal(self, store):
        plans = [
            plan_from_spec(plan_id=f"plan_{n}", name=f"P{n}", currency="EUR", prices=[], created_at=NOW)
            for n in range(5)
        ]
        for plan in plans:
            store.plans.add(plan)
        assert store.plans.get("plan_2") == plans[2]
        assert store.plans.get("plan_9") is None
        listed = every(lambda cursor: store.plans.list(limit=2, cursor=cursor))
        assert sorted(p.id for p in listed) == [p.id for p in plans]
