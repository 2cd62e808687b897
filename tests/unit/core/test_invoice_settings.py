"""The deployment's invoice settings (number prefix, payment term, issuer): read from the environment, validated,
empty by default; and invoice identity per issue."""

import hashlib

import pytest
from billing.bootstrap import Settings, SettingsError
from billing.domain.invoices import InvoiceSettings, Issuer, invoice_id_for, invoice_number

BASE = {"BILLING_DB_PATH": "/tmp/unused.db"}


def test_by_default_numbers_are_inv_due_on_issue_and_the_issuer_is_empty():
    assert Settings.from_env(BASE).invoices == InvoiceSettings("INV", 0, Issuer("", "", ""))


def test_the_environment_sets_the_prefix_the_payment_term_and_the_issuer():
    env = {
        **BASE,
        "INVOICE_NUMBER_PREFIX": "ACME-EU",
        "INVOICE_NET_DAYS": "30",
        "ISSUER_NAME": "Acme Ltd",
        "ISSUER_ADDRESS": "1 Main St\nSpringfield",
        "ISSUER_TAX_ID": "GB123",
    }
    assert Settings.from_env(env).invoices == InvoiceSettings(
        "ACME-EU", 30, Issuer("Acme Ltd", "1 Main St\nSpringfield", "GB123")
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INVOICE_NUMBER_PREFIX", "IN V"),
        ("INVOICE_NUMBER_PREFIX", "-INV"),
        ("INVOICE_NUMBER_PREFIX", "A" * 17),
        ("INVOICE_NET_DAYS", "366"),
        ("INVOICE_NET_DAYS", "-1"),
        ("INVOICE_NET_DAYS", "ten"),
        ("ISSUER_NAME", "x" * 201),
    ],
)
def test_a_setting_out_of_bounds_is_refused_by_name(name, value):
    with pytest.raises(SettingsError, match=name.lower()):
        Settings.from_env({**BASE, name: value})


def test_a_periods_first_invoice_keeps_its_id_and_each_reissue_has_its_own():
    ids = [invoice_id_for("cus_1", "2025-09", issue) for issue in range(3)]
    assert ids[0] == "inv_" + hashlib.sha256(b"cus_1|2025-09").hexdigest()[:20]  # the id stored invoices have
    assert len(set(ids)) == 3 and all(i.startswith("inv_") and len(i) == 24 for i in ids)
    assert (invoice_number("INV", 42), invoice_number("ACME", 1_234_567)) == ("INV-000042", "ACME-1234567")
