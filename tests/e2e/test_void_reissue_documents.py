"""Void and reissue, and invoices as documents, over real HTTP on both backends, with a deployment that sets
an invoice number prefix, a payment term and an issuer: finalizing numbers (one counter, increasing, no
gaps), dates and signs an invoice once; a void invoice's period is billed again as its next issue, by
POST /v1/invoices/{id}/reissue or by the next run; an adjustment billed before a void and reissue is given
back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import running_gateway
from tests.e2e.conftest import ADMIN_KEY, BACKENDS, HttpClient

pytestmark = pytest.mark.e2e

DEPLOYMENT = {
    "INVOICE_NUMBER_PREFIX": "ACME",
    "INVOICE_NET_DAYS": "14",
    "ISSUER_NAME": "Acme Billing Ltd",
    "ISSUER_ADDRESS": "1 Main St, Springfield",
    "ISSUER_TAX_ID": "GB123456789",
}
ISSUER = {"name": "Acme Billing Ltd", "address": "1 Main St, Springfield", "tax_id": "GB123456789"}
PER_CALL = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}
DOCUMENT_FIELDS = ("issue", "replaces", "number", "issue_date", "due_date", "issuer")


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def gateway(request, tmp_path_factory, dashboard_build) -> Iterator[HttpClient]:
    data = tmp_path_factory.mktemp(f"documents-{request.param}")
    env = {**BACKENDS[request.param], **DEPLOYMENT}
    with running_gateway(data, dashboard_build, ADMIN_KEY, env=env) as url:
        yield HttpClient(url, backend=request.param)


def ok(reply: tuple[int, Any], status: int = 200) -> Any:
    assert reply[0] == status, reply
    return reply[1]


def customer(api: HttpClient, name: str, **extra: Any) -> dict[str, Any]:
    return ok(api.request("POST", "/v1/customers", {"name": name, "email": f"{name}@example.com", **extra}), 201)


def send(api: HttpClient, customer_id: str, *events: tuple[str, int, str]) -> None:
    batch = [
        {"id": event_id, "feature": "api_calls", "quantity": quantity, "ts": ts} for event_id, quantity, ts in events
    ]
    ok(api.request("POST", "/v1/events/batch", {"customer_id": customer_id, "events": batch}))


def invoices(api: HttpClient, customer_id: str) -> list[dict[str, Any]]:
    return ok(api.request("GET", f"/v1/customers/{customer_id}/invoices"))


def post(api: HttpClient, invoice_id: str, action: str) -> tuple[int, Any]:
    return api.request("POST", f"/v1/invoices/{invoice_id}/{action}")


def sequence(number: str) -> int:
    prefix, digits = number.rsplit("-", 1)
    assert (prefix, len(digits)) == ("ACME", 6), number
    return int(digits)


def issued_on(invoice: dict[str, Any], zone: str) -> date:
    return datetime.fromisoformat(invoice["finalized_at"]).astimezone(ZoneInfo(zone)).date()


def test_finalizing_numbers_dates_and_signs_once_and_a_void_invoice_is_reissued(gateway):
    net_30 = ok(gateway.request("POST", "/v1/plans", {"name": "Net 30", "prices": [PER_CALL], "net_days": 30}), 201)
    assert net_30["net_days"] == 30
    kolkata = customer(gateway, "kolkata", timezone="Asia/Kolkata", plan_id=net_30["id"])
    plain = customer(gateway, "plain")  # no plan: the deployment's 14 days
    for who in (kolkata, plain):
        send(gateway, who["id"], ("e1", 1000, "2025-09-15T12:00:00Z"))
    gateway.run_billing("period=2025-09&unit_price=0.01")
    (draft,) = invoices(gateway, kolkata["id"])
    assert {field: draft[field] for field in DOCUMENT_FIELDS} == dict.fromkeys(DOCUMENT_FIELDS) | {"issue": 0}

    first = ok(post(gateway, draft["id"], "finalize"))
    (other,) = invoices(gateway, plain["id"])
    second = ok(post(gateway, other["id"], "finalize"))

    assert sequence(second["number"]) == sequence(first["number"]) + 1
    assert first["issue_date"] == issued_on(first, "Asia/Kolkata").isoformat()
    assert first["due_date"] == (issued_on(first, "Asia/Kolkata") + timedelta(days=30)).isoformat()
    assert second["due_date"] == (issued_on(second, "UTC") + timedelta(days=14)).isoformat()
    assert first["issuer"] == second["issuer"] == ISSUER
    assert ok(post(gateway, draft["id"], "finalize")) == first  # finalizing again: the same number

    # Voiding keeps the document; reissuing makes the replacement once: 201, then 200 with the same body
    void = ok(post(gateway, draft["id"], "void"))
    assert (void["status"], void["number"], void["total"]) == ("void", first["number"], "10.00")
    made, again = post(gateway, draft["id"], "reissue"), post(gateway, draft["id"], "reissue")
    assert (made[0], again[0]) == (201, 200) and made[1] == again[1]
    reissue = made[1]
    assert reissue["id"] != draft["id"]
    assert {field: reissue[field] for field in DOCUMENT_FIELDS} == dict.fromkeys(DOCUMENT_FIELDS) | {
        "issue": 1,
        "replaces": draft["id"],
    }
    assert (reissue["status"], reissue["total"]) == ("draft", "10.00")
    assert post(gateway, second["id"], "reissue")[0] == 409  # finalized, not void
    assert post(gateway, "inv_missing", "reissue")[0] == 404

    # A run recomputes the reissue and makes no other; the void invoice stays void and listed
    run = gateway.run_billing("period=2025-09&unit_price=0.01")
    if gateway.backend == "sqlite":  # a queued run (DynamoDB) lists no invoice ids in its answer
        assert reissue["id"] in run["invoice_ids"]
    listed = invoices(gateway, kolkata["id"])
    assert [(i["id"], i["status"], i["issue"]) for i in listed] == [
        (reissue["id"], "draft", 1),
        (draft["id"], "void", 0),
    ]
    third = ok(post(gateway, reissue["id"], "finalize"))
    assert sequence(third["number"]) == sequence(second["number"]) + 1

    # Voiding the other one: the next run bills its period again by itself
    ok(post(gateway, other["id"], "void"))
    gateway.run_billing("period=2025-09&unit_price=0.01")
    latest, voided = invoices(gateway, plain["id"])
    assert (latest["issue"], latest["replaces"], latest["status"], latest["total"]) == (
        1,
        other["id"],
        "draft",
        "10.00",
    )
    assert (voided["id"], voided["status"]) == (other["id"], "void")


def test_an_adjustment_billed_before_a_void_and_reissue_is_given_back(gateway):
    plan = ok(gateway.request("POST", "/v1/plans", {"name": "Per call", "prices": [PER_CALL]}), 201)
    ada = customer(gateway, "ada", plan_id=plan["id"])
    send(gateway, ada["id"], ("s1", 1000, "2025-09-15T12:00:00Z"))
    gateway.run_billing("period=2025-09")
    (september,) = invoices(gateway, ada["id"])
    ok(post(gateway, september["id"], "finalize"))
    send(gateway, ada["id"], ("s2", 500, "2025-09-20T12:00:00Z"), ("o1", 200, "2025-10-10T12:00:00Z"))
    gateway.run_billing("period=2025-10")
    october = ok(post(gateway, invoices(gateway, ada["id"])[0]["id"], "finalize"))
    assert [(line["type"], line["amount"]) for line in october["line_items"]] == [
        ("usage", "2.00"),
        ("adjustment", "5.00"),
    ]

    ok(post(gateway, september["id"], "void"))
    reissue = ok(post(gateway, september["id"], "reissue"), 201)
    assert ok(post(gateway, reissue["id"], "finalize"))["total"] == "15.00"  # all of September's usage
    send(gateway, ada["id"], ("n1", 1000, "2025-11-10T12:00:00Z"))
    gateway.run_billing("period=2025-11")

    november = invoices(gateway, ada["id"])[0]
    assert november["period"] == "2025-11"
    assert [(line["type"], line["amount"], line["adjusts_period"]) for line in november["line_items"]] == [
        ("usage", "10.00", None),
        ("adjustment", "-5.00", "2025-09"),
    ]
    assert november["total"] == "5.00"
