"""Storage contract: invoices, their lifecycle writes, and the credit ledger with its stored balance."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from billing.domain.credits import CreditEntry, CreditKind
from billing.domain.errors import ConcurrentUpdate, Conflict, InsufficientCredit
from billing.domain.invoices import InvoiceStatus, invoice_id_for

from tests.integration.builders import NOW, D, customer, draft, every, grant


class TestInvoices:
    def test_saving_bumps_the_version_and_reads_back_equal(self, store):
        saved = store.invoices.save(draft())
        assert saved.version == 1
        assert store.invoices.get(saved.id) == saved
        assert store.invoices.list_for_customer("c1", limit=10).items == [saved]
        assert store.invoices.get("inv_missing") is None

    def test_a_second_invoice_for_the_same_customer_and_period_is_refused(self, store):
        store.invoices.save(draft())
        with pytest.raises(ConcurrentUpdate):
            store.invoices.save(draft(amount="2.00"))
        assert store.invoices.get(invoice_id_for("c1", "2025-09")).line_items[0].amount == D("1.00")

    def test_a_write_based_on_a_stale_read_is_refused(self, store):
        saved = store.invoices.save(draft())
        store.invoices.save(replace(saved, status=InvoiceStatus.FINALIZED))
        with pytest.raises(ConcurrentUpdate):
            store.invoices.save(replace(saved, line_items=()))
        assert store.invoices.get(saved.id).status == InvoiceStatus.FINALIZED

    def test_saving_many_saves_them_all_in_one_write(self, store):
        stored = store.invoices.save(draft("c2"))
        recomputed = replace(stored, line_items=draft("c2", amount="3.00").line_items)
        invoices = [draft("c1"), recomputed, draft("c3", "2025-10")]
        store.invoices.save_many(invoices)
        for invoice in invoices:
            assert store.invoices.get(invoice.id) == replace(invoice, version=invoice.version + 1)
        assert store.invoices.get(invoice_id_for("c2", "2025-09")).line_items[0].amount == D("3.00")
        store.invoices.save_many([])

    @pytest.mark.parametrize("refused", ["second for its period", "stale"])
    def test_saving_many_saves_none_when_one_is_refused(self, store, refused):
        stored = store.invoices.save(draft("c2"))
        store.invoices.save(replace(stored, line_items=()))  # version 2: `stored` is now stale
        refusal = draft("c2", amount="5.00") if refused == "second for its period" else stored
        with pytest.raises(ConcurrentUpdate):
            store.invoices.save_many([draft("c1"), refusal, draft("c3")])
        assert store.invoices.get(invoice_id_for("c1", "2025-09")) is None
        assert store.invoices.get(invoice_id_for("c3", "2025-09")) is None
        assert store.invoices.get(stored.id).version == 2 and store.invoices.get(stored.id).line_items == ()

    def test_writes_in_a_unit_of_work_are_kept_and_a_refused_one_changes_only_itself(self, store):
        with store.unit_of_work():
            store.invoices.save(draft("c1"))
            with pytest.raises(ConcurrentUpdate):
                store.invoices.save_many([draft("c2"), draft("c1", amount="9.00")])
            with store.unit_of_work():  # nested: part of the same unit
                store.credits.add(grant("4.00"))
            store.invoices.save(draft("c3"))
        assert store.invoices.get(invoice_id_for("c1", "2025-09")).line_items[0].amount == D("1.00")
        assert store.invoices.get(invoice_id_for("c2", "2025-09")) is None
        assert store.invoices.get(invoice_id_for("c3", "2025-09")).version == 1
        assert store.credits.balance("c1", "USD") == D("4.00")

    def test_a_customers_invoices_list_newest_period_first_in_pages(self, store):
        for period in ["2025-08", "2025-10", "2025-09", "2025-07", "2025-11"]:
            store.invoices.save(draft(period=period))
        store.invoices.save(draft(customer_id="c2", period="2025-09"))
        first = store.invoices.list_for_customer("c1", limit=2)
        assert [i.period for i in first.items] == ["2025-11", "2025-10"]
        listed = every(lambda cursor: store.invoices.list_for_customer("c1", limit=2, cursor=cursor))
        assert [i.period for i in listed] == ["2025-11", "2025-10", "2025-09", "2025-08", "2025-07"]

    def test_several_customers_invoices_read_as_each_ones(self, store):
        for customer_id, period in (("c1", "2025-08"), ("c1", "2025-10"), ("c1", "2025-09"), ("c2", "2025-09")):
            store.invoices.save(draft(customer_id, period))
        found = store.invoices.list_for_customers(["c2", "c3", "c1", "c2"])
        assert list(found) == ["c2", "c3", "c1"]
        assert [i.period for i in found["c1"]] == ["2025-10", "2025-09", "2025-08"]
        for customer_id, invoices in found.items():
            assert invoices == store.invoices.list_for_customer(customer_id, limit=10).items
        assert found["c3"] == [] and store.invoices.list_for_customers([]) == {}

    def test_invoices_across_customers_filter_by_status_period_and_customer(self, store):
        for customer_id, period in (("c1", "2025-08"), ("c1", "2025-09"), ("c2", "2025-09"), ("c3", "2025-09")):
            store.invoices.save(draft(customer_id, period))
        finalized = store.invoices.get(invoice_id_for("c3", "2025-09"))
        store.invoices.save(finalized.finalized(now=NOW))

        def ids(**filters):
            return sorted((i.customer_id, i.period) for i in every(store.invoices.list, limit=2, **filters))

        assert len(ids()) == 4
        assert ids(period="2025-09") == [("c1", "2025-09"), ("c2", "2025-09"), ("c3", "2025-09")]
        assert ids(status=InvoiceStatus.FINALIZED) == [("c3", "2025-09")]
        assert ids(status=InvoiceStatus.DRAFT, period="2025-09") == [("c1", "2025-09"), ("c2", "2025-09")]
        assert ids(customer_id="c1") == [("c1", "2025-08"), ("c1", "2025-09")]
        assert ids(customer_id="c1", status=InvoiceStatus.FINALIZED) == []

    def test_drafts_due_are_the_drafts_whose_period_ended(self, store):
        for customer_id, period in (("b", "2025-08"), ("a", "2025-09"), ("a", "2025-10"), ("c", "2025-09")):
            store.invoices.save(draft(customer_id, period))
        finalized = store.invoices.get(invoice_id_for("c", "2025-09"))
        store.invoices.save(finalized.finalized(now=NOW))
        due = every(store.invoices.drafts_due, period_end_before=datetime(2025, 10, 1, tzinfo=UTC), limit=1)
        assert sorted((i.customer_id, i.period) for i in due) == [("a", "2025-09"), ("b", "2025-08")]


def _finalize(store, invoice, prefix="INV"):
    """Finalize a stored draft of a customer the store has (added at its first finalization)."""
    if store.customers.get(invoice.customer_id) is None:
        store.customers.add(customer(invoice.customer_id))
    version = store.customers.get(invoice.customer_id).version
    return store.invoices.finalize(
        invoice.finalized(now=NOW), credit=None, customer_version=version, number_prefix=prefix
    )


def _void(store, invoice):
    version = store.customers.get(invoice.customer_id).version
    return store.invoices.void(invoice.voided(now=NOW), credit=None, customer_version=version)


class TestIssues:
    """Void and reissue: one invoice per customer, period and issue; a period's issues list newest first."""

    def test_a_reissue_is_a_second_invoice_of_the_period_and_each_issue_is_stored_once(self, store):
        first = _void(store, _finalize(store, store.invoices.save(draft())))
        reissue = store.invoices.save(draft(amount="2.00", issue=1))
        assert reissue.id == invoice_id_for("c1", "2025-09", 1) != first.id
        assert (store.invoices.get(reissue.id), store.invoices.get(first.id)) == (reissue, first)
        assert (reissue.issue, reissue.replaces) == (1, first.id)
        for second in (draft(amount="3.00", issue=1), replace(draft(amount="3.00", issue=1), id="inv_other")):
            with pytest.raises(ConcurrentUpdate):
                store.invoices.save(second)  # the same issue again, even under another id
            with pytest.raises(ConcurrentUpdate):
                store.invoices.save_many([draft("c2"), second])
        assert store.invoices.get(reissue.id).line_items[0].amount == D("2.00")
        assert store.invoices.get("inv_other") is None and store.invoices.get(invoice_id_for("c2", "2025-09")) is None

    def test_a_customers_invoices_list_newest_period_then_newest_issue_first_in_pages(self, store):
        for period, issue in (("2025-09", 0), ("2025-08", 0), ("2025-09", 2), ("2025-10", 0), ("2025-09", 10)):
            store.invoices.save(draft(period=period, issue=issue))
        store.invoices.save(draft("c2", "2025-09", issue=1))
        expected = [("2025-10", 0), ("2025-09", 10), ("2025-09", 2), ("2025-09", 0), ("2025-08", 0)]
        for limit in (1, 2, 3, 10):
            listed = every(
                lambda cursor, limit=limit: store.invoices.list_for_customer("c1", limit=limit, cursor=cursor)
            )
            assert [(i.period, i.issue) for i in listed] == expected
        found = store.invoices.list_for_customers(["c1", "c2"])
        assert [(i.period, i.issue) for i in found["c1"]] == expected
        assert [(i.period, i.issue) for i in found["c2"]] == [("2025-09", 1)]

    def test_listings_across_customers_and_drafts_due_hold_every_issue(self, store):
        void = _void(store, _finalize(store, store.invoices.save(draft())))
        reissue = store.invoices.save(draft(issue=1))
        other = store.invoices.save(draft("c2"))

        def ids(**filters):
            return sorted(i.id for i in every(store.invoices.list, limit=1, **filters))

        assert ids(customer_id="c1", period="2025-09") == sorted([void.id, reissue.id])
        assert ids(period="2025-09") == sorted([void.id, reissue.id, other.id])
        assert ids(customer_id="c1", period="2025-09", status=InvoiceStatus.DRAFT) == [reissue.id]
        assert ids(status=InvoiceStatus.VOID) == [void.id]
        due = every(store.invoices.drafts_due, period_end_before=datetime(2025, 10, 1, tzinfo=UTC), limit=1)
        assert sorted(i.id for i in due) == sorted([reissue.id, other.id])


class TestNumbers:
    """Invoice numbers: one counter per deployment, moved in the finalizing write; increasing, gapless."""

    def test_finalizing_numbers_invoices_in_order_from_one_counter_whatever_the_prefix(self, store):
        drafts = [
            store.invoices.save(draft(c, p)) for c, p in (("c1", "2025-09"), ("c2", "2025-09"), ("c1", "2025-10"))
        ]
        numbers = [_finalize(store, invoice).number for invoice in drafts]
        assert numbers == ["INV-000001", "INV-000002", "INV-000003"]
        assert [store.invoices.get(invoice.id).number for invoice in drafts] == numbers
        assert _finalize(store, store.invoices.save(draft("c3")), prefix="ACME-EU").number == "ACME-EU-000004"
        assert store.invoices.get(store.invoices.save(draft("c4")).id).number is None  # drafts have none


class TestCredits:
    def test_the_ledger_keeps_order_and_a_balance_per_currency(self, store):
        assert store.credits.add(grant("10.00")) == D("10.00")
        assert store.credits.add(grant("2.50", entry_id="crd_2")) == D("12.50")
        store.credits.add(grant("700", entry_id="crd_3", currency="JPY"))
        assert [e.id for e in store.credits.entries("c1")] == ["crd_1", "crd_2", "crd_3"]
        assert store.credits.entries("c1")[0] == grant("10.00")
        assert store.credits.balance("c1", "USD") == D("12.50")
        assert store.credits.balance("c1", "JPY") == D("700")
        assert store.credits.balance("c2", "USD") == D("0")

    def test_several_balances_read_as_each_one(self, store):
        store.credits.add(grant("10.00"))
        store.credits.add(grant("3.50", entry_id="crd_2", currency="EUR"))
        store.credits.add(grant("2.00", customer_id="c2", entry_id="crd_3"))
        accounts = [("c1", "USD"), ("c1", "EUR"), ("c1", "GBP"), ("c2", "USD"), ("c3", "USD"), ("c1", "USD")]
        balances = store.credits.balances(accounts)
        assert balances == {
            ("c1", "USD"): D("10.00"),
            ("c1", "EUR"): D("3.50"),
            ("c1", "GBP"): 0,
            ("c2", "USD"): D("2.00"),
            ("c3", "USD"): 0,
        }
        assert all(balances[account] == store.credits.balance(*account) for account in accounts)
        assert store.credits.balances([]) == {}

    def test_one_entry_is_found_by_its_customer_and_id(self, store):
        store.credits.add(grant("10.00", entry_id="crd_1"))
        store.credits.add(replace(grant("2.00", customer_id="c2", entry_id="crd_2"), description="promo"))
        assert store.credits.entry("c1", "crd_1") == grant("10.00")
        assert store.credits.entry("c2", "crd_2") == replace(grant("2.00", "c2", "crd_2"), description="promo")
        assert store.credits.entry("c2", "crd_1") is None and store.credits.entry("c1", "crd_9") is None

    def test_a_repeated_entry_id_or_an_overdraft_changes_nothing(self, store):
        store.credits.add(grant("10.00"))
        with pytest.raises(Conflict):
            store.credits.add(grant("1.00"))
        with pytest.raises(InsufficientCredit):
            store.credits.add(CreditEntry.of_invoice(CreditKind.CONSUMPTION, "c1", "inv_x", D("10.01"), "USD", now=NOW))
        assert store.credits.balance("c1", "USD") == D("10.00")
        assert [e.id for e in store.credits.entries("c1")] == ["crd_1"]


class TestLifecycle:
    def test_finalize_writes_the_invoice_the_consumption_and_the_customer_version_together(self, store):
        store.customers.add(customer("c1"))
        store.credits.add(grant("4.00"))
        saved = store.invoices.save(draft(credit="4.00"))
        final = saved.finalized(now=NOW)
        stored = store.invoices.finalize(
            final,
            credit=CreditEntry.of_invoice(CreditKind.CONSUMPTION, "c1", final.id, D("4.00"), "USD", now=NOW),
            customer_version=0,
            number_prefix="INV",
        )
        assert (stored.status, stored.version, stored.number) == (InvoiceStatus.FINALIZED, 2, "INV-000001")
        assert store.invoices.get(final.id) == stored
        assert store.credits.balance("c1", "USD") == D("0.00")
        assert store.customers.get("c1").version == 1
        assert store.invoices.drafts_due(period_end_before=datetime(2030, 1, 1, tzinfo=UTC), limit=10).items == []

    @pytest.mark.parametrize("stale", ["invoice_version", "customer_version", "credit_spent", "consumed_twice"])
    def test_a_stale_finalize_writes_nothing_at_all(self, store, stale):
        store.customers.add(customer("c1"))
        store.credits.add(grant("4.00"))
        saved = store.invoices.save(draft(credit="4.00"))
        final = saved.finalized(now=NOW)
        consumption = CreditEntry.of_invoice(CreditKind.CONSUMPTION, "c1", final.id, D("4.00"), "USD", now=NOW)
        if stale == "invoice_version":
            store.invoices.save(saved)  # someone recomputed the draft: version 2
        elif stale == "customer_version":
            store.customers.set_plan("c1", "plan_1", "USD", expected_version=0)
        elif stale == "credit_spent":
            store.credits.add(
                CreditEntry.of_invoice(CreditKind.CONSUMPTION, "c1", "inv_other", D("1.00"), "USD", now=NOW)
            )
        else:
            store.credits.add(consumption)
            store.credits.add(grant("4.00", entry_id="crd_2"))
        balance_before = store.credits.balance("c1", "USD")
        version_before = store.customers.get("c1").version
        with pytest.raises(ConcurrentUpdate):
            store.invoices.finalize(final, credit=consumption, customer_version=0, number_prefix="INV")
        assert store.invoices.get(final.id).status == InvoiceStatus.DRAFT
        assert store.credits.balance("c1", "USD") == balance_before
        assert store.customers.get("c1").version == version_before
        # the number was not used: the next finalization takes it
        fresh = store.invoices.save(draft("c2"))
        store.customers.add(customer("c2"))
        numbered = store.invoices.finalize(
            fresh.finalized(now=NOW), credit=None, customer_version=0, number_prefix="INV"
        )
        assert numbered.number == "INV-000001"

    def test_void_writes_the_invoice_and_the_restoration_together(self, store):
        store.customers.add(customer("c1"))
        store.credits.add(grant("4.00"))
        saved = store.invoices.save(draft(credit="4.00"))
        final = store.invoices.finalize(
            saved.finalized(now=NOW),
            credit=CreditEntry.of_invoice(CreditKind.CONSUMPTION, "c1", saved.id, D("4.00"), "USD", now=NOW),
            customer_version=0,
            number_prefix="INV",
        )
        with pytest.raises(ConcurrentUpdate):
            store.invoices.void(final.voided(now=NOW), credit=None, customer_version=0)
        voided = store.invoices.void(
            final.voided(now=NOW),
            credit=CreditEntry.of_invoice(CreditKind.RESTORATION, "c1", final.id, D("4.00"), "USD", now=NOW),
            customer_version=1,
        )
        assert store.invoices.get(final.id) == voided
        assert (voided.status, voided.number) == (InvoiceStatus.VOID, "INV-000001")  # a void invoice keeps it
        assert store.credits.balance("c1", "USD") == D("4.00")
        assert [e.kind.value for e in store.credits.entries("c1")] == ["grant", "consumption", "restoration"]
