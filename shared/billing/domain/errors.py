"""Domain errors. The HTTP glue maps each class to a status code in one place (billing.http.errors)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal


class BillingError(Exception):
    """Base of every error the core raises on purpose."""

    code = "billing_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def details(self) -> dict[str, str]:
        """What the error body carries besides code, message and field (e.g. the run a 503 interrupted)."""
        return {}


class InvalidInput(BillingError):
    """Input that passed the schema but breaks a domain rule (unknown timezone, bad period, ...)."""

    code = "validation_error"


class InvalidEvent(InvalidInput):
    """One event of a batch is refused (so the whole batch is). `event_field` is the field inside the
    event in our vocabulary (`type`, `external_customer_id`, `properties.usage.count`, ...), so drop-in
    routes can name it the way their vendor's clients do."""

    def __init__(self, index: int, event_field: str, message: str) -> None:
        super().__init__(message, field=f"events[{index}].{event_field}")
        self.index = index
        self.event_field = event_field


class InvalidPrice(InvalidInput):
    """A price or plan definition that cannot be rated (unknown model, tiers out of order, ...)."""


class NotFound(BillingError):
    code = "not_found"


class CustomerNotFound(NotFound):
    def __init__(self, customer_id: str, *, field: str | None = None) -> None:
        super().__init__(f"customer {customer_id!r} does not exist", field=field)


class InvoiceNotFound(NotFound):
    def __init__(self, invoice_id: str) -> None:
        super().__init__(f"invoice {invoice_id!r} does not exist")


class PlanNotFound(NotFound):
    def __init__(self, plan_id: str, *, field: str | None = None) -> None:
        super().__init__(f"plan {plan_id!r} does not exist", field=field)


class Forbidden(BillingError):
    """The caller's key may not do this (another customer's data, or an admin-only route)."""

    code = "forbidden"


class ForeignEvent(Forbidden):
    """One event of a batch names a customer the caller's key may not send events for (so the whole batch
    is refused). `index` and `event_field` as InvalidEvent's, for the drop-in routes' vendor names."""

    def __init__(self, index: int, event_field: str) -> None:
        super().__init__("this key may only send events of its own customer", field=f"events[{index}].{event_field}")
        self.index = index
        self.event_field = event_field


class MeterNotFound(NotFound):
    def __init__(self, feature: str) -> None:
        super().__init__(f"no meter for feature {feature!r}")


class Conflict(BillingError):
    code = "conflict"


class RequestKeyReused(BillingError):
    """A request's key (Idempotency-Key) came again with another request (path, query or body)."""

    code = "idempotency_key_reused"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "this Idempotency-Key was already used with a different request; send a new key for a new request",
            field="Idempotency-Key",
        )


class DuplicateEmail(Conflict):
    def __init__(self, email: str) -> None:
        super().__init__(f"a customer with email {email!r} already exists", field="email")


class ConcurrentUpdate(Conflict):
    """Someone else changed the record between our read and our write (optimistic concurrency)."""


class InvoiceNotEditable(Conflict):
    """Finalized and void invoices never change."""


class DuplicateExternalId(Conflict):
    def __init__(self, external_id: str) -> None:
        super().__init__(f"a customer with external_id {external_id!r} already exists", field="external_id")


class InsufficientCredit(Conflict):
    """A ledger entry would take the credit balance below zero."""


class CarryoverSpent(Conflict):
    """A finalized invoice whose total below zero was carried over to the credit balance cannot be voided
    while that credit is spent: voiding it would take the balance below zero."""

    def __init__(self, invoice_id: str, amount: Decimal, currency: str) -> None:
        super().__init__(
            f"invoice {invoice_id} carried {amount} {currency} over to the credit balance and that credit has "
            "been spent since; void the invoices that applied it first",
            field=None,
        )


class CustomerPlanMissing(Conflict):
    """The customer names a plan that is not stored (written by hand, or lost): billing it without its plan
    would invoice the wrong amount silently, so the customer is not billed until it names a plan again."""

    def __init__(self, customer_id: str, plan_id: str) -> None:
        super().__init__(
            f"customer {customer_id} names plan {plan_id!r}, which does not exist; assign an existing plan "
            "(PUT /v1/customers/{customer_id}/plan) and bill again",
            field="plan_id",
        )
        self.plan_id = plan_id


class UnratableUsage(Conflict):
    """Stored usage that exact arithmetic cannot rate (a quantity from before input bounds existed): the
    customer's period cannot be invoiced until it is corrected."""

    def __init__(self, feature: str, period: str) -> None:
        super().__init__(
            f"the stored usage of {feature} for {period} cannot be rated: a quantity is beyond the bounds an "
            "invoice can carry; correct or remove those events and bill again",
            field=None,
        )
        self.feature = feature
        self.period = period


class StorageUnavailable(BillingError):
    """The storage backend cannot serve right now (full disk, read-only, unreachable, throttled)."""

    code = "storage_unavailable"


class BillingRunNotFound(NotFound):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"billing run {run_id!r} does not exist")


class QueueUnavailable(StorageUnavailable):
    """The billing queue refused or lost a message (throttled, unreachable, misconfigured)."""

    code = "queue_unavailable"


class BillingRunInterrupted(StorageUnavailable):
    """Starting (or resuming) a run stopped half-way because storage or the queue failed: the run exists, with
    the customers queued so far; a retry with the same Idempotency-Key, or the sweep, resumes it."""

    def __init__(self, run_id: str, queued: int, cause: StorageUnavailable) -> None:
        super().__init__(
            f"{cause.message}; billing run {run_id} stopped after queuing {queued} customers: retry with the same"
            " Idempotency-Key to resume it (the daily sweep resumes it otherwise)"
        )
        self.code = cause.code  # storage_unavailable or queue_unavailable, as the cause said
        self.run_id = run_id

    def details(self) -> dict[str, str]:
        return {"billing_run_id": self.run_id}
