"""Attribute names of the table's keys and indexes (template.yaml's BillingTable declares the same)."""

from __future__ import annotations

PK, SK = "PK", "SK"
LIST_INDEX, LIST_PK, LIST_SK = "ByType", "TypePK", "TypeSK"  # entity listings
DRAFTS_INDEX, DRAFTS_PK, DRAFTS_SK = "DraftsDue", "DraftPK", "DraftSK"  # sparse: drafts only
TIME_INDEX, TIME_PK, TIME_SK = "EventsByTime", "TimePK", "TimeSK"  # a customer's events by ts
NUMBER_KEYS = frozenset({TIME_SK})  # every other key attribute is a string (S)
INDEX_KEYS = {
    None: (PK, SK),
    LIST_INDEX: (LIST_PK, LIST_SK),
    DRAFTS_INDEX: (DRAFTS_PK, DRAFTS_SK),
    TIME_INDEX: (TIME_PK, TIME_SK),
}
