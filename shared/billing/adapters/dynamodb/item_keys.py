"""The item keys (PK, SK) of every entity in the single table: docs/storage-dynamodb.md draws the same map.

Partition keys name an entity (`CUS#<id>`, `USAGE#<customer>`, `PLAN#<id>`, ...); sort keys order what
one partition holds. Variable parts that are not the last component of a key are JSON-encoded, so no
feature, property or value can make two keys collide.
"""

from __future__ import annotations

import hashlib
import json

from billing.adapters.dynamodb.table.attributes import Item, s
from billing.adapters.dynamodb.table.schema import LIST_PK, LIST_SK, PK, SK

_MAX_SORT_KEY_BYTES = 1024
_TIME_DIGITS = 20  # microsecond instants, zero-padded so that text order is time order


def key(pk: str, sk: str) -> Item:
    return {PK: s(pk), SK: s(sk)}


def padded(micros: int) -> str:
    return f"{micros:0{_TIME_DIGITS}d}"


def bounded(sort_key: str) -> str:
    """Sort keys are at most 1 KB: a longer one (a long distinct value) is replaced by its digest."""
    if len(sort_key.encode()) <= _MAX_SORT_KEY_BYTES - 100:
        return sort_key
    return sort_key[:200] + "#sha256:" + hashlib.sha256(sort_key.encode()).hexdigest()


def parts(*values: str) -> str:
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))


# -- customers (partition CUS#<id>: the customer, its invoices, credit entries and balances) ----------
def customer_pk(customer_id: str) -> str:
    return f"CUS#{customer_id}"


CUSTOMER_SK = "CUSTOMER"


def customer(customer_id: str) -> Item:
    return key(customer_pk(customer_id), CUSTOMER_SK)


def email_guard(email: str) -> Item:
    return key(f"EMAIL#{email.lower()}", "GUARD")


def external_id_guard(external_id: str) -> Item:
    return key(f"EXTID#{external_id}", "GUARD")


def search_pk(term: str) -> str:
    """Search terms are spread over partitions by their first character."""
    return f"SEARCH#{term[:1]}"


def search_term(term: str, customer_id: str) -> Item:
    return key(search_pk(term), bounded(f"{term}#{customer_id}"))


_ISSUE_DIGITS = 6  # reissues of a period (MAX_ISSUE), zero-padded so that text order is issue order


def invoice_sk(period: str, issue: int = 0) -> str:
    """A period's first invoice keeps the key invoices had before reissues; the k-th reissue sorts after it.
    Periods are YYYY-MM, so `INV#<period>` is also the prefix of exactly that period's issues."""
    return f"INV#{period}" if issue == 0 else f"INV#{period}#{issue:0{_ISSUE_DIGITS}d}"


def invoice(customer_id: str, period: str, issue: int = 0) -> Item:
    return key(customer_pk(customer_id), invoice_sk(period, issue))


def invoice_by_id(invoice_id: str) -> Item:
    return key(f"INV#{invoice_id}", "INVOICE")


def credit_entry(customer_id: str, entry_id: str) -> Item:
    return key(customer_pk(customer_id), f"CREDIT#{entry_id}")


def balance(customer_id: str, currency: str) -> Item:
    return key(customer_pk(customer_id), f"BALANCE#{currency}")


# -- usage (partition USAGE#<customer>: events, rollups, distinct-value markers) ----------------------
def usage_pk(customer_id: str) -> str:
    return f"USAGE#{customer_id}"


def event(customer_id: str, event_id: str) -> Item:
    return key(usage_pk(customer_id), bounded(f"EVT#{event_id}"))


def bucket_sk(bucket: int, feature: str | None = None) -> str:
    return f"B#{padded(bucket)}" + ("" if feature is None else f"#{feature}")


def day_sk(day: str, feature: str | None = None) -> str:
    return f"D#{day}" + ("" if feature is None else f"#{feature}")


def period_prefix(period: str | None = None) -> str:
    return "P#" if period is None else f"P#{period}#"


def period_sk(period: str, feature: str) -> str:
    return f"{period_prefix(period)}A#{feature}"


def distinct_marker_sk(period: str, feature: str, prop: str, value: str) -> str:
    return bounded(f"V#{period}#{parts(feature, prop, value)}")


# -- catalog and runs -------------------------------------------------------------------------------
def plan(plan_id: str) -> Item:
    return key(f"PLAN#{plan_id}", "PLAN")


def api_key(key_id: str) -> Item:
    return key(f"KEY#{key_id}", "KEY")


def api_key_hash(secret_hash: str) -> Item:
    return key(f"KEYHASH#{secret_hash}", "KEY")


def meter(feature: str) -> Item:
    return key(f"METER#{feature}", "METER")


def event_type_pk(event_type: str) -> str:
    return f"ETYPE#{event_type}"


def meter_by_event_type(event_type: str, feature: str) -> Item:
    return key(event_type_pk(event_type), feature)


def run_pk(run_id: str) -> str:
    return f"RUN#{run_id}"


def run(run_id: str) -> Item:
    return key(run_pk(run_id), "RUN")


def outcome(run_id: str, customer_id: str) -> Item:
    return key(run_pk(run_id), f"OUT#{customer_id}")


# The deployment-wide invoice number counter (attribute `last`: the last number given).
INVOICE_NUMBERS = key("COUNTER#invoice_number", "COUNTER")

# Listing partitions of the ByType index.
CUSTOMERS, PLANS, INVOICES, API_KEYS, METERS = "CUSTOMERS", "PLANS", "INVOICES", "APIKEYS", "METERS"
DRAFTS = "DRAFTS"
UNFINISHED_RUNS = "RUNS#UNFINISHED"  # sparse: a run is listed while it queues its customers (the sweep's)


def listing(kind: str, identity: str) -> Item:
    """The ByType index's key attributes that list an item under `kind` (sorted by `identity`)."""
    return {LIST_PK: s(kind), LIST_SK: s(identity)}
