"""Hostile inputs (issues 8 and 17), each with the field its refusal must name, on /v1 and on the drop-in routes
(OpenMeter, Lago, Stripe) alike: the same JSON reader, event window and number bounds everywhere. Sent through the
handlers (tests/handlers/test_hostile_inputs.py) and over HTTP through the local gateway on both backends
(tests/e2e/test_hostile_inputs.py), which also sends GENERIC_BODIES to every operation of the OpenAPI document.

`{customer_id}` in a path or body is replaced by the target customer's id and `{external_id}` by its external id
(TARGET: a customer in UTC+14 with a meter for `email_sent`, so a wrongly accepted event would be stored); a
`str`/`bytes` body is sent as it is.
"""

from __future__ import annotations

import base64
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
    content_type: str = "application/json"
    status: int = 400  # Lago refuses an event with 422

    def path(self, customer_id: str) -> str:
        return self.route.replace("{customer_id}", customer_id)

    def path_with_query(self, customer_id: str) -> str:
        return self.path(customer_id) + (f"?{urlencode(self.query)}" if self.query else "")

    def payload(self, customer_id: str) -> Any:
        """The body: objects and text with `{customer_id}` and `{external_id}` filled in; bytes unchanged."""
        if isinstance(self.body, dict | list):
            return json.loads(_filled(json.dumps(self.body), customer_id))
        if isinstance(self.body, str) and len(self.body) < 100_000:
            return _filled(self.body, customer_id)
        return self.body

    @property
    def vendor(self) -> bool:
        return not self.route.startswith("/v1/") or self.route == "/v1/billing/meter_events"


def _filled(text: str, customer_id: str) -> str:
    return text.replace("{customer_id}", customer_id).replace("{external_id}", TARGET["external_id"])


def named_fields(reply: Any) -> list[str]:
    """The fields a refusal names, in any of the four shapes: ours and OpenMeter's (`error.fields[].field`),
    Lago's 422 (`error_details`, keyed by the event's index in a batch: `1.timestamp`) and Stripe's
    (`error.param`). A refusal of the body as a whole names `body` (Lago's 400 and Stripe have no field for it)."""
    if not isinstance(reply, dict):
        return []
    fields: list[str] = []
    error = reply.get("error")
    if isinstance(error, dict):
        fields += [item["field"] for item in error.get("fields", [])]
        if error.get("param"):
            fields.append(error["param"])
    for name, detail in (reply.get("error_details") or {}).items():
        fields += [f"{name}.{inner}" for inner in detail] if isinstance(detail, dict) else [name]
    return fields or ["body"]


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


# The target of every case: in UTC+14, where a year-9999 instant has no local date (issue 17's 500).
TARGET = {
    "name": "Target",
    "email": "hostile@acme.example",
    "external_id": "hostile-target",
    "timezone": "Pacific/Kiritimati",
}
METER = {"feature": "emails", "event_type": "email_sent", "value_property": "value"}

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
    # Issue 17: a bare number became a model of defaults (an admin key); booleans and text became integers.
    Hostile("api-key body 0", *API_KEYS, "body", body="0"),
    Hostile("api-key body 1", *API_KEYS, "body", body="1"),
    Hostile("api-key body false", *API_KEYS, "body", body="false"),
    Hostile("api-key body null", *API_KEYS, "body", body="null"),
    Hostile("grace period false", *PLANS, "grace_period_days", body={"name": "p", "grace_period_days": False}),
    Hostile("grace period true", *PLANS, "grace_period_days", body={"name": "p", "grace_period_days": True}),
    Hostile("grace period text", *PLANS, "grace_period_days", body={"name": "p", "grace_period_days": "3"}),
    Hostile("grace period 3.0", *PLANS, "grace_period_days", body=_plan_text("3.0")),
    Hostile("net days true", *PLANS, "net_days", body={"name": "p", "net_days": True}),
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


def _number_in(document: dict[str, Any], literal: str) -> str:
    """`document` as JSON text with its one `0` replaced by a raw number literal."""
    return json.dumps(document).replace(": 0", f": {literal}", 1)


OPENMETER = ("openmeter_ingest_events", "POST", "/api/v1/events")
LAGO = ("lago_create_event", "POST", "/lago/api/v1/events")
LAGO_BATCH = ("lago_create_batch_events", "POST", "/lago/api/v1/events/batch")
STRIPE_V1 = ("stripe_meter_event_v1", "POST", "/v1/billing/meter_events")
STRIPE_V2 = ("stripe_meter_event_v2", "POST", "/v2/billing/meter_events")
CLOUDEVENTS = ("application/cloudevents+json", "application/cloudevents-batch+json", "application/json")
FORM = "application/x-www-form-urlencoded"

CLOUDEVENT = {"specversion": "1.0", "id": "h-1", "source": "hostile", "type": "email_sent", "subject": "{external_id}"}
LAGO_EVENT = {"transaction_id": "h-1", "code": "email_sent", "external_customer_id": "{external_id}"}
STRIPE_EVENT = {"event_name": "email_sent", "payload": {"stripe_customer_id": "{external_id}", "value": "1"}}


def _stripe_form(**fields: str) -> str:
    base = {"event_name": "email_sent", "payload[stripe_customer_id]": TARGET["external_id"], "payload[value]": "1"}
    return urlencode({**base, **fields})


# Issue 17: unix seconds that are instants no billing run accepts (1970, 1999, 2100, 9999: 500 in UTC+14).
OUT_OF_WINDOW_SECONDS = (0, 946_684_799, 4_102_444_800, 253_402_300_799)
FIVE_THOUSAND_DIGITS = "9" * 5_000
DEEP_ARRAYS = "[" * 100_000 + "]" * 100_000
DEEP_OBJECTS = '{"a":' * 50_000 + "1" + "}" * 50_000

DROP_IN: tuple[Hostile, ...] = (
    *(
        Hostile(
            f"lago timestamp {seconds}", *LAGO, "timestamp", {"event": {**LAGO_EVENT, "timestamp": seconds}}, status=422
        )
        for seconds in OUT_OF_WINDOW_SECONDS
    ),
    Hostile(
        "lago batch timestamp 9999",
        *LAGO_BATCH,
        "1.timestamp",
        {"events": [LAGO_EVENT, {**LAGO_EVENT, "transaction_id": "h-2", "timestamp": "253402300799"}]},
        status=422,
    ),
    *(
        Hostile(
            f"stripe v1 timestamp {seconds}",
            *STRIPE_V1,
            "timestamp",
            _stripe_form(timestamp=str(seconds)),
            content_type=FORM,
        )
        for seconds in OUT_OF_WINDOW_SECONDS
    ),
    Hostile("stripe v2 timestamp 2100", *STRIPE_V2, "timestamp", {**STRIPE_EVENT, "timestamp": "2100-01-01T00:00:00Z"}),
    Hostile("cloudevent time 1999", *OPENMETER, "time", {**CLOUDEVENT, "time": "1999-12-31T23:59:59Z"}),
    Hostile(
        "lago 5,000-digit timestamp",
        *LAGO,
        "timestamp",
        _number_in({"event": {**LAGO_EVENT, "timestamp": 0}}, FIVE_THOUSAND_DIGITS),
        status=422,
    ),
    # A 5,000-digit number in properties is refused by the bound of every property value (1,024 characters).
    Hostile(
        "stripe v2 5,000-digit value",
        *STRIPE_V2,
        "payload",
        _number_in(
            {**STRIPE_EVENT, "payload": {"stripe_customer_id": "{external_id}", "value": 0}}, FIVE_THOUSAND_DIGITS
        ),
    ),
    Hostile(
        "stripe v1 5,000-digit timestamp",
        *STRIPE_V1,
        "timestamp",
        _stripe_form(timestamp=FIVE_THOUSAND_DIGITS),
        content_type=FORM,
    ),
    Hostile(
        "stripe v1 5,000-digit value",
        *STRIPE_V1,
        "payload",
        _stripe_form(**{"payload[value]": FIVE_THOUSAND_DIGITS}),
        content_type=FORM,
    ),
    Hostile(
        "cloudevent 5,000-digit value",
        *OPENMETER,
        "data",
        _number_in({**CLOUDEVENT, "data": {"value": 0}}, FIVE_THOUSAND_DIGITS),
    ),
    Hostile(
        "stripe v2 payload of 10,000 entries",
        *STRIPE_V2,
        "payload",
        {**STRIPE_EVENT, "payload": {"stripe_customer_id": "{external_id}", **{f"p{i}": "v" for i in range(10_000)}}},
    ),
    Hostile(
        "stripe v1 value of 2,000 characters",
        *STRIPE_V1,
        "payload",
        _stripe_form(**{"payload[note]": "n" * 2_000}),
        content_type=FORM,
    ),
    # A meter's value is a quantity: bounded as one sent to /v1 is.
    Hostile(
        "stripe v2 value 1e15",
        *STRIPE_V2,
        "payload[value]",
        {**STRIPE_EVENT, "payload": {"stripe_customer_id": "{external_id}", "value": "1e15"}},
    ),
    Hostile(
        "lago value with 10 decimals",
        *LAGO,
        "properties.value",
        {"event": {**LAGO_EVENT, "properties": {"value": "0.0000000001"}}},
        status=422,
    ),
    *(
        Hostile(f"cloudevents nested 100,000 deep ({kind})", *OPENMETER, "body", DEEP_ARRAYS, content_type=kind)
        for kind in CLOUDEVENTS
    ),
    *(
        Hostile(f"cloudevents objects nested 50,000 deep ({kind})", *OPENMETER, "body", DEEP_OBJECTS, content_type=kind)
        for kind in CLOUDEVENTS
    ),
    *(
        Hostile(f"{name} nested 100,000 deep", *route, "body", body)
        for name, route in (("lago", LAGO), ("lago batch", LAGO_BATCH), ("stripe v2", STRIPE_V2))
        for body in (DEEP_ARRAYS,)
    ),
    *(
        Hostile(f"{name} objects nested 50,000 deep", *route, "body", DEEP_OBJECTS)
        for name, route in (("lago", LAGO), ("lago batch", LAGO_BATCH), ("stripe v2", STRIPE_V2))
    ),
    Hostile("stripe v1 form of 100,000 brackets", *STRIPE_V1, "event_name", DEEP_ARRAYS, content_type=FORM),
    Hostile("cloudevents with 1,001 events", *OPENMETER, "body", [CLOUDEVENT] * 1_001, content_type=CLOUDEVENTS[1]),
    Hostile(
        "cloudevent data of 10,000 properties",
        *OPENMETER,
        "data",
        {**CLOUDEVENT, "data": {f"p{i}": "v" for i in range(10_000)}},
    ),
    Hostile(
        "lago property value of 1 MB",
        *LAGO,
        "properties",
        {"event": {**LAGO_EVENT, "properties": {"value": "1" * 1_000_000}}},
        status=422,
    ),
)

# Sent to every operation of the OpenAPI document, with each content type it declares (application/json when none):
# a body where none is expected must not matter, a body that is expected must be refused naming `body`.
GENERIC_BODIES: dict[str, str | bytes] = {
    "json nested 100,000 deep": DEEP_ARRAYS,
    "objects nested 50,000 deep": DEEP_OBJECTS,
    "a bare 0": "0",
    "a 5,000-digit number": FIVE_THOUSAND_DIGITS,
    "invalid utf-8": b'{"name": "\xff\xfe"}',
}

# The largest quantity the API takes, and what its usage reply may weigh.
LARGEST_QUANTITY = "999999999999999.999999999"
SMALL_REPLY_BYTES = 200


def crafted_cursor(position: object) -> str:
    """A cursor this API never made: the base64 of any JSON."""
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


# Issue 17: cursors this API never made reached SQLite's bindings (500: "Error binding parameter", "Python int too
# large to convert to SQLite INTEGER"); the JSON nested past the recursion limit crashed the decoder.
CRAFTED_CURSORS = {
    "an object": crafted_cursor({"after": {"a": 1}}),
    "a list": crafted_cursor({"after": [1, 2]}),
    "10**400": crafted_cursor({"after": 10**400}),
    "a float": crafted_cursor({"after": 1.5}),
    "true": crafted_cursor({"after": True}),
    "a key of another shape": crafted_cursor({"pk": ["N", "1e400"], "sk": ["S", "x"]}),
    "JSON nested 1,500 deep": base64.urlsafe_b64encode(b"[" * 1_500).decode(),
}
