"""Customers with a timezone and a plan, PUT /v1/customers/{id}/plan, credits, and finalize/void/reissue."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from billing.domain.invoices import invoice_id_for
from billing.domain.time import BillingPeriod
from billing.services import NewEvent

from tests.conftest import FROZEN_NOW as NOW

PER_CALL = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}


def plan(api, currency: str = "USD", **extra: Any) -> dict[str, Any]:
    body = {"name": "Plan", "currency": currency, "prices": [PER_CALL], **extra}
    return api("create_plan", "POST /v1/plans", "/v1/plans", body).body


def customer(api, email: str = "ada@example.com", **extra: Any):
    body = {"name": "Ada", "email": email, **extra}
    return api("create_customer", "POST /v1/customers", "/v1/customers", body)


def assign(api, customer_id: str, body: Any):
    return api(
        "assign_customer_plan", "PUT /v1/customers/{customer_id}/plan", f"/v1/customers/{customer_id}/plan", body
    )


def grant(api, customer_id: str, body: Any):
    return api(
        "grant_credits", "POST /v1/customers/{customer_id}/credits", f"/v1/customers/{customer_id}/credits", body
    )


def ledger(api, customer_id: str):
    return api("get_credits", "GET /v1/customers/{customer_id}/credits", f"/v1/customers/{customer_id}/credits")


def finalize(api, invoice_id: str):
    return api("finalize_invoice", "POST /v1/invoices/{invoice_id}/finalize", f"/v1/invoices/{invoice_id}/finalize")


def void(api, invoice_id: str):
    return api("void_invoice", "POST /v1/invoices/{invoice_id}/void", f"/v1/invoices/{invoice_id}/void")


def reissue(api, invoice_id: str):
    return api("reissue_invoice", "POST /v1/invoices/{invoice_id}/reissue", f"/v1/invoices/{invoice_id}/reissue")


def billed_september(api, customer_id: str, calls: int = 1000) -> str:
    api.services.ingest.ingest(
        customer_id, [NewEvent("api_calls", Decimal(calls), datetime(2025, 9, 15, 12, tzinfo=UTC), "evt_1")]
    )
    api.services.runs.start(BillingPeriod.parse("2025-09"))
    return invoice_id_for(customer_id, "2025-09")


def test_a_customer_created_on_a_plan_takes_its_currency_and_keeps_its_timezone(api):
    yen = plan(api, currency="JPY")

    reply = customer(api, timezone="Asia/Kolkata", plan_id=yen["id"])

    assert reply.status == 201
    assert (reply.body["plan_id"], reply.body["currency"], reply.body["timezone"]) == (yen["id"], "JPY", "Asia/Kolkata")


def test_a_customer_without_a_timezone_or_plan_is_utc_and_usd(api):
    reply = customer(api)

    assert (reply.body["timezone"], reply.body["plan_id"], reply.body["currency"]) == ("UTC", None, "USD")


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"timezone": "Mars/Olympus_Mons"}, "timezone"), ({"plan_id": "plan_missing"}, "plan_id")],
)
def test_an_unknown_timezone_or_plan_is_400_naming_the_field(api, extra, field):
    reply = customer(api, **extra)

    assert reply.status == 400
    assert reply.error_fields() == [field]


def test_putting_a_customer_on_a_plan_returns_the_customer_on_it(api):
    created = customer(api).body
    euro = plan(api, currency="EUR")

    reply = assign(api, created["id"], {"plan_id": euro["id"]})

    assert reply.status == 200
    assert (reply.body["plan_id"], reply.body["currency"]) == (euro["id"], "EUR")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [({"plan_id": "plan_missing"}, 400, "plan_id"), ({}, 400, "plan_id"), ({"plan_id": ""}, 400, "plan_id")],
)
def test_putting_a_bad_plan_is_400_naming_plan_id(api, body, status, field):
    created = customer(api).body

    reply = assign(api, created["id"], body)

    assert (reply.status, reply.error_fields()) == (status, [field])


def test_putting_a_plan_on_an_unknown_customer_is_404(api):
    reply = assign(api, "cus_missing", {"plan_id": plan(api)["id"]})

    assert reply.status == 404


def test_a_plan_in_another_currency_is_409_once_the_customer_has_a_finalized_invoice(api):
    created = customer(api, plan_id=plan(api)["id"]).body
    finalize(api, billed_september(api, created["id"]))

    reply = assign(api, created["id"], {"plan_id": plan(api, currency="EUR")["id"]})

    assert (reply.status, reply.body["error"]["code"], reply.error_fields()) == (409, "conflict", ["plan_id"])


def test_granting_credit_returns_201_with_the_entry_and_the_new_balance(api):
    created = customer(api).body

    first = grant(api, created["id"], {"amount": "10.00", "description": "welcome"})
    second = grant(api, created["id"], {"amount": "2.5"})
    account = ledger(api, created["id"])

    assert first.status == 201
    assert {k: first.body[k] for k in ("type", "amount", "currency", "description", "balance")} == {
        "type": "grant",
        "amount": "10.00",
        "currency": "USD",
        "description": "welcome",
        "balance": "10.00",
    }
    assert second.body["balance"] == "12.50"
    assert account.status == 200
    assert (account.body["balance"], account.body["currency"]) == ("12.50", "USD")
    assert [(e["type"], e["amount"]) for e in account.body["entries"]] == [("grant", "10.00"), ("grant", "2.50")]


@pytest.mark.parametrize("amount", ["0", "-5.00", "10.001", "abc", None])
def test_a_bad_credit_amount_is_400_naming_amount(api, amount):
    created = customer(api).body

    reply = grant(api, created["id"], {"amount": amount})

    assert (reply.status, reply.error_fields()) == (400, ["amount"])


def test_credits_of_an_unknown_customer_are_404(api):
    assert grant(api, "cus_missing", {"amount": "1.00"}).status == 404
    assert ledger(api, "cus_missing").status == 404


def test_finalizing_returns_the_frozen_invoice_with_its_credit_and_lines(api):
    created = customer(api, timezone="America/New_York", plan_id=plan(api, minimum_amount="25.00")["id"]).body
    grant(api, created["id"], {"amount": "5.00"})
    invoice_id = billed_september(api, created["id"], calls=1800)  # 18.00

    reply = finalize(api, invoice_id)

    assert reply.status == 200
    invoice = reply.body
    assert {k: invoice[k] for k in ("id", "customer_id", "period", "period_start", "period_end", "status")} == {
        "id": invoice_id,
        "customer_id": created["id"],
        "period": "2025-09",
        "period_start": "2025-09-01T04:00:00Z",
        "period_end": "2025-10-01T04:00:00Z",
        "status": "finalized",
    }
    assert (invoice["currency"], invoice["subtotal"], invoice["credits_applied"], invoice["total"]) == (
        "USD",
        "25.00",
        "5.00",
        "20.00",
    )
    usage, minimum, credit = invoice["line_items"]
    assert (usage["type"], usage["feature"], usage["quantity"], usage["amount"]) == (
        "usage",
        "api_calls",
        "1800",
        "18.00",
    )
    assert usage["breakdown"][0]["units"] == "1800"
    assert (minimum["type"], minimum["amount"]) == ("minimum", "7.00")
    assert (credit["type"], credit["amount"]) == ("credit", "-5.00")
    assert ledger(api, created["id"]).body["balance"] == "0.00"


def test_voiding_a_finalized_invoice_returns_it_void_and_restores_credit(api):
    created = customer(api, plan_id=plan(api)["id"]).body
    grant(api, created["id"], {"amount": "5.00"})
    invoice_id = billed_september(api, created["id"])
    finalize(api, invoice_id)

    reply = void(api, invoice_id)

    assert (reply.status, reply.body["status"]) == (200, "void")
    assert ledger(api, created["id"]).body["balance"] == "5.00"
    assert void(api, invoice_id).status == 200


def test_voiding_a_draft_or_finalizing_a_void_invoice_is_409(api):
    created = customer(api, plan_id=plan(api)["id"]).body
    invoice_id = billed_september(api, created["id"])

    assert void(api, invoice_id).status == 409
    finalize(api, invoice_id)
    void(api, invoice_id)
    assert finalize(api, invoice_id).status == 409


def test_finalizing_or_voiding_or_reissuing_an_unknown_invoice_is_404(api):
    assert finalize(api, "inv_missing").status == 404
    assert void(api, "inv_missing").status == 404
    assert reissue(api, "inv_missing").status == 404


def test_a_draft_has_no_number_dates_or_issuer_and_finalizing_gives_them_once(api):
    created = customer(api, plan_id=plan(api, net_days=10)["id"], timezone="Pacific/Auckland").body
    invoice_id = billed_september(api, created["id"])
    draft = api("get_invoice", "GET /v1/invoices/{invoice_id}", f"/v1/invoices/{invoice_id}").body
    assert {key: draft[key] for key in ("issue", "replaces", "number", "issue_date", "due_date", "issuer")} == {
        "issue": 0,
        "replaces": None,
        "number": None,
        "issue_date": None,
        "due_date": None,
        "issuer": None,
    }

    final = finalize(api, invoice_id).body

    # finalized at 09:30 UTC on October 2nd: 22:30 the same day in Auckland (NZDT, +13)
    assert (final["number"], final["issue_date"], final["due_date"]) == ("INV-000001", "2025-10-02", "2025-10-12")
    assert final["issuer"] == {"name": "", "address": "", "tax_id": ""}
    assert finalize(api, invoice_id).body == final


def test_reissuing_a_void_invoice_is_201_then_200_with_the_same_replacement(api):
    created = customer(api, plan_id=plan(api)["id"]).body
    invoice_id = billed_september(api, created["id"])
    assert reissue(api, invoice_id).status == 409  # a draft
    finalize(api, invoice_id)
    assert reissue(api, invoice_id).status == 409  # finalized
    void(api, invoice_id)

    first, second = reissue(api, invoice_id), reissue(api, invoice_id)

    assert (first.status, second.status) == (201, 200)
    assert first.body == second.body
    replacement = first.body
    assert replacement["id"] == invoice_id_for(created["id"], "2025-09", 1)
    assert (replacement["status"], replacement["issue"], replacement["replaces"]) == ("draft", 1, invoice_id)
    assert (replacement["total"], replacement["number"]) == ("10.00", None)
    listed = api(
        "list_customer_invoices",
        "GET /v1/customers/{customer_id}/invoices",
        f"/v1/customers/{created['id']}/invoices",
    ).body
    assert [(i["id"], i["status"]) for i in listed] == [(replacement["id"], "draft"), (invoice_id, "void")]


def test_invoices_across_customers_filter_and_page(api):
    customers = [api.services.customers.create(name=f"C{n}", email=f"c{n}@example.com") for n in range(3)]
    for customer in customers:
        api.services.ingest.ingest(customer.id, [NewEvent("api_calls", Decimal(100), NOW - timedelta(days=20), "e1")])
    api.services.runs.start(BillingPeriod.parse("2025-09"), unit_price=Decimal("0.01"), now=NOW)
    first_invoice = api.services.invoices.for_customer(customers[0].id)[0]
    api.services.invoices.finalize(first_invoice.id, now=NOW)

    drafts = api("list_invoices", "GET /v1/invoices", "/v1/invoices", query={"status": "draft", "limit": "1"})
    rest = api(
        "list_invoices",
        "GET /v1/invoices",
        "/v1/invoices",
        query={"status": "draft", "limit": "1", "cursor": drafts.body["next_cursor"]},
    )
    mine = api("list_invoices", "GET /v1/invoices", "/v1/invoices", query={"customer_id": customers[0].id})
    other_period = api("list_invoices", "GET /v1/invoices", "/v1/invoices", query={"period": "2025-08"})
    bad = api("list_invoices", "GET /v1/invoices", "/v1/invoices", query={"period": "2025-13"})

    assert drafts.status == rest.status == 200
    assert rest.body["next_cursor"] is None
    draft_customers = {invoice["customer_id"] for invoice in drafts.body["data"] + rest.body["data"]}
    assert draft_customers == {customers[1].id, customers[2].id}
    assert [(i["id"], i["status"], i["total"]) for i in mine.body["data"]] == [(first_invoice.id, "finalized", "1.00")]
    assert other_period.body == {"data": [], "next_cursor": None}
    assert (bad.status, bad.error_fields()) == (400, ["period"])
