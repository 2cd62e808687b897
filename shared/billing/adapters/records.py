"""Explicit mapping between domain objects and storage records (plain JSON-able dicts).

Shared by every adapter so that an invoice reads back identically whatever stores it.
Decimals are stored as strings and instants as ISO 8601 text: exact and readable.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from billing.domain.invoices import Invoice, InvoiceStatus, LineItem, LineType
from billing.pricing.plans import Plan, plan_from_spec, plan_to_spec


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _unwhen(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def line_to_record(line: LineItem) -> dict[str, Any]:
    return {
        "type": line.type.value,
        "amount": str(line.amount),
        "description": line.description,
        "feature": line.feature,
        "quantity": _dec(line.quantity),
        "unit_price": _dec(line.unit_price),
        "breakdown": list(line.breakdown),
        "adjusts_period": line.adjusts_period,
    }


def line_from_record(record: dict[str, Any]) -> LineItem:
    return LineItem(
        type=LineType(record["type"]),
        amount=Decimal(record["amount"]),
        description=record["description"],
        feature=record.get("feature"),
        quantity=_undec(record.get("quantity")),
        unit_price=_undec(record.get("unit_price")),
        breakdown=tuple(record.get("breakdown") or ()),
        adjusts_period=record.get("adjusts_period"),
    )


def invoice_to_record(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "customer_id": invoice.customer_id,
        "period": invoice.period,
        "period_start": _when(invoice.period_start),
        "period_end": _when(invoice.period_end),
        "currency": invoice.currency,
        "status": invoice.status.value,
        "created_at": _when(invoice.created_at),
        "updated_at": _when(invoice.updated_at),
        "finalized_at": _when(invoice.finalized_at),
        "voided_at": _when(invoice.voided_at),
        "line_items": [line_to_record(line) for line in invoice.line_items],
        "metadata": invoice.metadata,
        "plan_id": invoice.plan_id,
        "unit_price": _dec(invoice.unit_price),
        "rated_events": invoice.rated_events,
    }


def invoice_from_record(record: dict[str, Any], *, version: int) -> Invoice:
    return Invoice(
        id=record["id"],
        customer_id=record["customer_id"],
        period=record["period"],
        period_start=datetime.fromisoformat(record["period_start"]),
        period_end=datetime.fromisoformat(record["period_end"]),
        currency=record["currency"],
        status=InvoiceStatus(record["status"]),
        created_at=datetime.fromisoformat(record["created_at"]),
        updated_at=datetime.fromisoformat(record["updated_at"]),
        finalized_at=_unwhen(record.get("finalized_at")),
        voided_at=_unwhen(record.get("voided_at")),
        line_items=tuple(line_from_record(line) for line in record["line_items"]),
        metadata=record.get("metadata") or {},
        plan_id=record.get("plan_id"),
        unit_price=_undec(record.get("unit_price")),
        rated_events=record.get("rated_events"),
        version=version,
    )


def plan_to_record(plan: Plan) -> dict[str, Any]:
    return {"id": plan.id, "created_at": _when(plan.created_at), **plan_to_spec(plan)}


def plan_from_record(record: dict[str, Any]) -> Plan:
    return plan_from_spec(
        plan_id=record["id"],
        name=record["name"],
        currency=record["currency"],
        minimum_amount=record["minimum_amount"],
        amount=record.get("amount", "0"),  # plans stored before plan fees existed have none
        grace_period_days=record["grace_period_days"],
        prices=record["prices"],
        created_at=datetime.fromisoformat(record["created_at"]),
    )
