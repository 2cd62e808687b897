"""The upcoming invoice and the what-if estimate on every storage adapter: the same lines from the same usage
(unique counts and per-event values included), and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from billing.bootstrap import build_services
from billing.domain.time import BillingPeriod
from billing.services import NewEvent

from tests.conftest import FrozenClock

NOW = datetime(2025, 10, 20, 12, tzinfo=UTC)
PLAN = {
    "name": "Mixed",
    "currency": "EUR",
    "amount": "4.00",
    "prices": [
        {"feature": "users", "model": "per_unit", "unit_amount": "2", "aggregation": "unique_count", "property": "u"},
        {"feature": "api", "model": "package", "package_size": "100", "package_amount": "1.50"},
    ],
}


def event(feature: str, quantity: str, day: int, event_id: str, **properties: str) -> NewEvent:
    return NewEvent(feature, Decimal(quantity), datetime(2025, 10, day, 9, tzinfo=UTC), event_id, properties or None)


def test_previews_compose_the_same_lines_on_every_adapter_and_write_nothing(store):
    services = build_services(store, clock=FrozenClock(NOW))
    plan = services.plans.create(**PLAN)
    ada = services.customers.create(name="Ada", email="ada@example.com", plan_id=plan.id)
    services.ingest.ingest(
        ada.id,
        [
            event("users", "1", 1, "e1", u="alice"),
            event("users", "1", 2, "e2", u="bob"),
            event("users", "1", 3, "e3", u="alice"),
            event("api", "250", 4, "e4"),
        ],
    )
    services.credits.grant(ada.id, Decimal("3.00"))

    upcoming = services.previews.upcoming(ada.id).invoice
    estimate = services.previews.estimate(
        ada.id, BillingPeriod.parse("2025-10"), plan_spec={**PLAN, "name": "Cheaper", "amount": "0"}
    )

    assert [(line.type.value, line.amount) for line in upcoming.line_items] == [
        ("plan_fee", Decimal("4.00")),
        ("usage", Decimal("4.50")),  # 250 calls: 3 packages of 100
        ("usage", Decimal("4.00")),  # 2 distinct users
        ("credit", Decimal("-3.00")),
    ]
    assert (upcoming.period, upcoming.total) == ("2025-10", Decimal("9.50"))
    assert (estimate.current.invoice.total, estimate.estimate.invoice.total) == (Decimal("12.50"), Decimal("8.50"))
    assert services.invoices.for_customer(ada.id) == []
    assert services.credits.ledger(ada.id).balance == Decimal("3.00")
    assert [p.id for p in services.plans.list().items] == [plan.id]
