"""Issue 8's hostile inputs, each with the field its 400 must name. Sent through the handlers
(tests/handlers/test_hostile_inputs.py) and over HTTP through the local gateway (tests/e2e/test_hostile_inputs.py).

`{customer_id}` in a path is replaced by a real customer's id; a `str`/`bytes` body is sent as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

TS = "2025-09-03T10:00:00Z"


@dataclass(frozen=True)
class Hostile:
    name: str
    function: str
    method: str
    route: str
    field: str
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)

    def path(self, customer_id: str) -> str:
        return self.route.replace("{customer_id}", customer_id)

    def path_with_query(self, customer_id: str) -> str:
        return self.path(customer_id) + (f"?{urlencode(self.query)}" if self.query else "")

    def payload(self, customer_id: str) -> Any:
        """The body: objects with `{customer_id}` filled in; str and bytes unchanged."""
        if isinstance(self.body, dict | list):
            return json.loads(json.dumps(self.body).replace("{customer_id}", customer_id))
        return self.body


def _event(**overrides: Any) -> dict[str, Any]:
    return {
        "customer_id": "{customer_id}",
        "events": [{"feature": "api_calls", "quantity": "1", "ts": TS, **overrides}],
    }


def _events_text(quantity_literal: str) -> str:
    """A batch whose quantity is a raw JSON number literal (json.dumps cannot write a 5,000-digit one)."""
    batch = json.dumps({"customer_id": "{customer_id}", "events": [{"feature": "api_calls", "ts": TS, "quantity": 0}]})
    return batch.replace('"quantity": 0', f'"quantity": {quantity_literal}')


def _plan_text(grace_literal: str) -> str:
    return json.dumps({"name": "p", "grace_period_days": 0}).replace(": 0}", f": {grace_literal}}}")


def _usage(**query: str) -> dict[str, str]:
    return {"start": "2025-09-01T00:00:00Z", "end": "2025-10-01T00:00:00Z", **query}


EVENTS = ("ingest_events", "POST", "/v1/events/batch")
USAGE = ("get_usage", "GET", "/v1/customers/{customer_id}/usage")
RUN = ("run_invoices", "POST", "/v1/invoices/run")
CUSTOMERS = ("create_customer", "POST", "/v1/customers")
PLANS = ("create_plan", "POST", "/v1/plans")
CREDITS = ("grant_credits", "POST", "/v1/customers/{customer_id}/credits")
API_KEYS = ("create_api_key", "POST", "/v1/api-keys")

# Issue 17: bidirectional controls in what people read ("Acme<U+202E>gnp.exe" shows as "Acmeexe.png").
RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"


def _priced(**price: str) -> dict[str, Any]:
    return {"name": "Spoof", "prices": [{"feature": "api_calls", "model": "per_unit", "unit_amount": "1", **price}]}


HOSTILE: tuple[Hostile, ...] = (
    Hostile("json nested 1,000 deep", *EVENTS, "body", body="[" * 1_000 + "]" * 1_000),
    Hostile("json nested 100,000 deep", *EVENTS, "body", body="[" * 100_000 + "]" * 100_000),
    Hostile("object nested 1,000 deep", *PLANS, "body", body='{"a":' * 1_000 + "1" + "}" * 1_000),
    Hostile("invalid utf-8", *CUSTOMERS, "body", body=b'{"name": "\xff\xfe", "email": "bad@utf8.example"}'),
    Hostile("utf-16", *CUSTOMERS, "body", body=json.dumps({"name": "U", "email": "u@utf16.example"}).encode("utf-16")),
    Hostile("5,000-digit integer quantity", *EVENTS, "events[0].quantity", body=_events_text("7" * 5_000)),
    Hostile("5,000-digit integer grace period", *PLANS, "grace_period_days", body=_plan_text("9" * 5_000)),
    Hostile("ts 9999-12-31T23:00:00-14:00", *EVENTS, "events[0].ts", body=_event(ts="9999-12-31T23:00:00-14:00")),
    Hostile("ts 0001-01-01T00:00:00+14:00", *EVENTS, "events[0].ts", body=_event(ts="0001-01-01T00:00:00+14:00")),
    Hostile("usage from year 1", *USAGE, "start", query=_usage(start="0001-01-01T00:00:00+14:00")),
    Hostile("usage to year 9999", *USAGE, "end", query=_usage(end="9999-12-31T23:59:59-14:00")),
    Hostile("daily usage from year 1", *USAGE, "start", query=_usage(start="0001-01-01T00:00:00Z", window="day")),
    Hostile("hourly usage to year 9999", *USAGE, "end", query=_usage(end="9999-12-31T23:00:00Z", window="hour")),
    Hostile("usage in a 1,000-character tz", *USAGE, "tz", query=_usage(window="day", tz="A" * 1_000)),
    Hostile("period 9999-12", *RUN, "period", query={"period": "9999-12"}),
    Hostile("period 0001-01", *RUN, "period", query={"period": "0001-01"}),
    Hostile("unit price 1e999999", *RUN, "unit_price", query={"period": "2025-09", "unit_price": "1e999999"}),
    Hostile("quantity 1e29", *EVENTS, "events[0].quantity", body=_event(quantity="1e29")),
    Hostile("quantity 1e999999", *EVENTS, "events[0].quantity", body=_event(quantity="1e999999")),
    Hostile("quantity with 10 decimals", *EVENTS, "events[0].quantity", body=_event(quantity="0.0000000001")),
    Hostile("credit 1e26", *CREDITS, "amount", body={"amount": "1e26"}),
    Hostile("plan minimum 1e30", *PLANS, "minimum_amount", body={"name": "Huge", "minimum_amount": "1e30"}),
    Hostile(
        "unit amount 1e30",
        *PLANS,
        "prices[0].unit_amount",
        body={"name": "Huge", "prices": [{"feature": "api_calls", "model": "per_unit", "unit_amount": "1e30"}]},
    ),
    Hostile(
        "tier bound 1e999999",
        *PLANS,
        "prices[0].tiers[0].up_to",
        body={
            "name": "Huge",
            "prices": [
                {
                    "feature": "api_calls",
                    "model": "graduated",
                    "tiers": [{"up_to": "1e999999", "unit_amount": "1"}, {"up_to": None, "unit_amount": "0"}],
                }
            ],
        },
    ),
    Hostile(
        "property value of 1 MB", *EVENTS, "events[0].properties", body=_event(properties={"region": "x" * 1_000_000})
    ),
    Hostile(
        "10,000 properties",
        *EVENTS,
        "events[0].properties",
        body=_event(properties={f"p{i}": "v" for i in range(10_000)}),
    ),
    Hostile(
        "property name of 1,000 characters", *EVENTS, "events[0].properties", body=_event(properties={"k" * 1_000: "v"})
    ),
    Hostile(
        "1,001 events",
        *EVENTS,
        "events",
        body={"customer_id": "{customer_id}", "events": [_event()["events"][0]] * 1_001},
    ),
    Hostile(
        "a 10,000-character customer name",
        *CUSTOMERS,
        "name",
        body={"name": "n" * 10_000, "email": "long@name.example"},
    ),
    Hostile("customer name with U+202E", *CUSTOMERS, "name", body={"name": f"Acme{RLO}gnp.exe", "email": "a@b.ex"}),
    Hostile("customer email with U+2066", *CUSTOMERS, "email", body={"name": "Acme", "email": f"a{LRI}@b.example"}),
    Hostile("plan name with U+2069", *PLANS, "name", body={"name": f"Gold{PDI}"}),
    Hostile("plan feature with U+202E", *PLANS, "prices[0].feature", body=_priced(feature=f"calls{RLO}dab")),
    Hostile(
        "plan property with U+202E",
        *PLANS,
        "prices[0].property",
        body=_priced(aggregation="unique_count", property=f"user{RLO}di"),
    ),
    Hostile("credit description with U+202A", *CREDITS, "description", body={"amount": "1", "description": "\u202ax"}),
    Hostile("api key name with U+202E", *API_KEYS, "name", body={"name": f"ops{RLO}"}),
)

# The largest quantity the API takes, and what its usage reply may weigh.
LARGEST_QUANTITY = "999999999999999.999999999"
SMALL_REPLY_BYTES = 200
