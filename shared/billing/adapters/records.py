"""The one explicit mapping between domain objects and storage records (plain JSON-able dicts), for
every entity.

Shared by every adapter so that an invoice reads back identically whatever stores it.
Decimals are stored as strings and instants as ISO 8601 text: exact and readable.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from billing.domain.api_keys import ApiKey
from billing.domain.billing_runs import BillingRunRecord, CustomerOutcome, OutcomeStatus
from billing.domain.credits import CreditEntry, CreditKind
from billing.domain.customers import Customer
from billing.domain.invoices import Invoice, InvoiceStatus, Issuer, LineItem, LineType
from billing.domain.meters import Meter
from billing.domain.time import from_micros
from billing.domain.usage import UsageAggregate, UsageEvent
from billing.pricing.plans import Plan, plan_from_spec, plan_to_spec


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _unwhen(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _unday(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def issuer_to_record(issuer: Issuer | None) -> dict[str, str] | None:
    return None if issuer is None else {"name": issuer.name, "address": issuer.address, "tax_id": issuer.tax_id}


def issuer_from_record(record: dict[str, str] | None) -> Issuer | None:
    return None if record is None else Issuer(record["name"], record["address"], record["tax_id"])


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
        "issue": invoice.issue,
        "replaces": invoice.replaces,
        "number": invoice.number,
        "issue_date": _day(invoice.issue_date),
        "due_date": _day(invoice.due_date),
        "issuer": issuer_to_record(invoice.issuer),
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
        issue=record.get("issue", 0),  # invoices stored before reissues existed are their period's first
        replaces=record.get("replaces"),
        number=record.get("number"),
        issue_date=_unday(record.get("issue_date")),
        due_date=_unday(record.get("due_date")),
        issuer=issuer_from_record(record.get("issuer")),
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
        net_days=record.get("net_days"),
        prices=record["prices"],
        created_at=datetime.fromisoformat(record["created_at"]),
    )


def customer_to_record(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "timezone": customer.timezone,
        "currency": customer.currency,
        "plan_id": customer.plan_id,
        "external_id": customer.external_id,
        "created_at": _when(customer.created_at),
    }


def customer_from_record(record: dict[str, Any], *, version: int) -> Customer:
    return Customer(
        id=record["id"],
        name=record["name"],
        email=record["email"],
        timezone=record["timezone"],
        currency=record["currency"],
        plan_id=record.get("plan_id"),
        external_id=record.get("external_id"),
        created_at=datetime.fromisoformat(record["created_at"]),
        version=version,
    )


def credit_entry_to_record(entry: CreditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "customer_id": entry.customer_id,
        "kind": entry.kind.value,
        "amount": str(entry.amount),
        "currency": entry.currency,
        "created_at": _when(entry.created_at),
        "description": entry.description,
        "invoice_id": entry.invoice_id,
    }


def credit_entry_from_record(record: dict[str, Any]) -> CreditEntry:
    return CreditEntry(
        id=record["id"],
        customer_id=record["customer_id"],
        kind=CreditKind(record["kind"]),
        amount=Decimal(record["amount"]),
        currency=record["currency"],
        created_at=datetime.fromisoformat(record["created_at"]),
        description=record.get("description"),
        invoice_id=record.get("invoice_id"),
    )


def event_to_record(event: UsageEvent) -> dict[str, Any]:
    return {
        "customer_id": event.customer_id,
        "id": event.id,
        "feature": event.feature,
        "quantity": str(event.quantity),
        "ts": event.ts_us,
        "period": event.period,
        "day": event.day,
        "properties": dict(event.properties) if event.properties else None,
    }


def event_from_record(record: dict[str, Any]) -> UsageEvent:
    return UsageEvent(
        customer_id=record["customer_id"],
        id=record["id"],
        feature=record["feature"],
        quantity=Decimal(record["quantity"]),
        ts_us=int(record["ts"]),
        period=record["period"],
        properties=record.get("properties") or None,
        day=record.get("day"),
    )


# A rollup row's aggregate: its stored values in this order, decimals as text (SQLite columns, DynamoDB attributes).
AGGREGATE_FIELDS = ("sum", "count", "max", "latest_ts", "latest_quantity")


def aggregate_values(aggregate: UsageAggregate) -> tuple[str, int, str, int, str]:
    return (
        str(aggregate.sum),
        aggregate.count,
        str(aggregate.max),
        aggregate.latest_ts,
        str(aggregate.latest_quantity),
    )


def aggregate_from_values(
    total: str, count: int | str, largest: str, latest_ts: int | str, latest_quantity: str
) -> UsageAggregate:
    return UsageAggregate(Decimal(total), int(count), Decimal(largest), int(latest_ts), Decimal(latest_quantity))


def api_key_to_record(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "secret_hash": key.secret_hash,
        "prefix": key.prefix,
        "customer_id": key.customer_id,
        "name": key.name,
        "created_at": _when(key.created_at),
        "revoked_at": _when(key.revoked_at),
    }


def api_key_from_record(record: dict[str, Any]) -> ApiKey:
    return ApiKey(
        id=record["id"],
        secret_hash=record["secret_hash"],
        prefix=record["prefix"],
        customer_id=record.get("customer_id"),
        name=record.get("name"),
        created_at=datetime.fromisoformat(record["created_at"]),
        revoked_at=_unwhen(record.get("revoked_at")),
    )


def meter_to_record(meter: Meter) -> dict[str, Any]:
    return {
        "feature": meter.feature,
        "event_type": meter.event_type,
        "value_property": meter.value_property,
        "filters": {name: list(values) for name, values in meter.filters.items()},
        "created_at": _when(meter.created_at),
    }


def meter_from_record(record: dict[str, Any]) -> Meter:
    return Meter(
        feature=record["feature"],
        event_type=record["event_type"],
        value_property=record.get("value_property"),
        filters={name: tuple(values) for name, values in (record.get("filters") or {}).items()},
        created_at=datetime.fromisoformat(record["created_at"]),
    )


def billing_run_to_record(run: BillingRunRecord) -> dict[str, Any]:
    """The run's identity; its counts and `planned` flag are kept by the adapter as counters."""
    return {
        "id": run.id,
        "period": run.period,
        "unit_price": _dec(run.unit_price),
        "created_at": _when(run.created_at),
    }


def billing_run_from_record(
    record: dict[str, Any],
    *,
    queued: int,
    billed: int,
    failed: int,
    planned: bool,
    unpriced: int = 0,
    position: str | None = None,
    heartbeat_us: int | None = None,
    resumptions: int = 0,
    failure: str | None = None,
) -> BillingRunRecord:
    """The run from its identity and the progress the adapter keeps beside it (counters, queuing position,
    heartbeat in µs, takeovers, the reason it was given up)."""
    return BillingRunRecord(
        id=record["id"],
        period=record["period"],
        unit_price=_undec(record.get("unit_price")),
        created_at=datetime.fromisoformat(record["created_at"]),
        customers_queued=queued,
        customers_billed=billed,
        customers_failed=failed,
        customers_with_unpriced_usage=unpriced,
        planned=planned,
        position=position,
        heartbeat_at=None if heartbeat_us is None else from_micros(heartbeat_us),
        resumptions=resumptions,
        failure=failure,
    )


def outcome_to_record(outcome: CustomerOutcome) -> dict[str, Any]:
    return {
        "customer_id": outcome.customer_id,
        "status": outcome.status.value,
        "at": _when(outcome.at),
        "invoice_id": outcome.invoice_id,
        "reason": outcome.reason,
        "unpriced_features": list(outcome.unpriced_features),
    }


def outcome_from_record(record: dict[str, Any]) -> CustomerOutcome:
    return CustomerOutcome(
        customer_id=record["customer_id"],
        status=OutcomeStatus(record["status"]),
        at=datetime.fromisoformat(record["at"]),
        invoice_id=record.get("invoice_id"),
        reason=record.get("reason"),
        unpriced_features=tuple(record.get("unpriced_features") or ()),
    )
