"""Currency codes, minor units, and what an invoice's lines add up to."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from billing.domain.credits import CreditEntry, CreditKind
from billing.domain.errors import InvalidInput, InvoiceNotEditable
from billing.domain.invoices import Invoice, LineItem, LineType
from billing.domain.money import check_currency, check_minor_units

D = Decimal
NOW = datetime(2025, 10, 2, tzinfo=UTC)


def invoice(*lines: LineItem) -> Invoice:
    return Invoice(
        id="inv_1",
        customer_id="cus_1",
        period="2025-10",
        period_start=datetime(2025, 10, 1, tzinfo=UTC),
        period_end=datetime(2025, 11, 1, tzinfo=UTC),
        currency="USD",
        created_at=NOW,
        updated_at=NOW,
        line_items=lines,
    )


@pytest.mark.parametrize("code", ["USD", "JPY", "KWD", "EUR", "INR"])
def test_iso_4217_codes_are_accepted(code):
    assert check_currency(code) == code


@pytest.mark.parametrize("code", ["usd", "US", "UDS", "XYZ", "", None, 840])
def test_anything_else_is_refused_naming_the_field(code):
    with pytest.raises(InvalidInput) as error:
        check_currency(code, field="currency")
    assert error.value.field == "currency"


@pytest.mark.parametrize(
    ("amount", "currency", "fits"),
    [
        ("10.00", "USD", True),
        ("10.001", "USD", False),
        ("10", "JPY", True),
        ("10.5", "JPY", False),
        ("1.250", "KWD", True),
        ("1.2505", "KWD", False),
    ],
)
def test_amounts_must_fit_the_currencys_minor_unit(amount, currency, fits):
    if fits:
        assert check_minor_units(D(amount), currency, field="amount") == D(amount)
    else:
        with pytest.raises(InvalidInput):
            check_minor_units(D(amount), currency, field="amount")


def test_subtotal_is_what_is_owed_before_credit_and_total_never_goes_below_zero():
    owed = invoice(
        LineItem(LineType.USAGE, D("18.00"), "usage"),
        LineItem(LineType.MINIMUM, D("7.00"), "minimum"),
        LineItem(LineType.ADJUSTMENT, D("1.50"), "late", adjusts_period="2025-09"),
        LineItem(LineType.CREDIT, D("-10.00"), "credit"),
    )
    refund = invoice(LineItem(LineType.ADJUSTMENT, D("-3.00"), "late", adjusts_period="2025-09"))

    assert (owed.subtotal, owed.credits_applied, owed.total) == (D("26.50"), D("10.00"), D("16.50"))
    assert (owed.rated_amount, owed.adjusted_amount("2025-09"), owed.adjusted_amount("2025-08")) == (
        D("25.00"),
        D("1.50"),
        D("0"),
    )
    assert refund.total == D("0")


def test_recomputing_a_draft_with_identical_content_keeps_the_same_invoice():
    draft = invoice(LineItem(LineType.USAGE, D("1.00"), "usage"))
    later = datetime(2025, 10, 3, tzinfo=UTC)

    assert draft.with_content(draft.content, now=later) is draft
    changed = draft.with_content(type(draft.content)("USD", (), rated_events=0), now=later)
    assert (changed.line_items, changed.updated_at) == ((), later)


def test_a_finalized_invoice_cannot_be_recomputed():
    finalized = invoice().finalized(now=NOW)

    with pytest.raises(InvoiceNotEditable):
        finalized.with_content(finalized.content, now=NOW)


def test_consumption_and_restoration_are_keyed_by_invoice_so_each_happens_once():
    used = CreditEntry.of_invoice(CreditKind.CONSUMPTION, "cus_1", "inv_1", D("5.00"), "USD", now=NOW)
    restored = CreditEntry.of_invoice(CreditKind.RESTORATION, "cus_1", "inv_1", D("5.00"), "USD", now=NOW)

    assert (used.id, used.amount, restored.id, restored.amount) == (
        "crd_use_inv_1",
        D("-5.00"),
        "crd_restore_inv_1",
        D("5.00"),
    )
