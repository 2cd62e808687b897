"""Money you can prove: random customer lifecycles through the real API, on both backends, checked against
the reference model (tests/model/reference.py) after every step.

A hypothesis RuleBasedStateMachine drives a real local gateway (SQLite, and DynamoDB + SQS on moto's server)
over HTTP: plans of every pricing model and aggregation, in USD, JPY (0 decimals) and KWD (3 decimals), with
fees and minimums; customers in half-hour and DST zones; events on time, late, duplicated (same id), at the
first and last microsecond of a local month; plan changes; billing runs with and without a unit price;
finalize, void, reissue; credit grants; the upcoming invoice and estimates. After every step:

- every stored invoice of the example's customers equals the model's, line by line (type, feature, quantity,
  amount) and in its totals, and the same invoices exist (customer, period, issue);
- the upcoming invoice equals what a run would write now; estimates equal the model's rating of the period;
- credit is never spent twice nor below zero, and a void gives back exactly what its invoice took;
- for every finalized period, what finalized invoices billed for it plus the pending adjustment equals the
  period re-rated with all its usage;
- no plan fee, minimum or flat fee for a period the customer neither existed in nor used (R1);
- finalized invoices are numbered in finalization order, with no gap, and carry their dates and issuer (R4);
- a period's usage as billed equals what its invoice bills (R5); runs report usage billed without a price (R2).

The server's clock is the real one, so customers are created "now" and the periods used are the current
UTC month, the next and three before (before the customers existed: R1).

Runs:
    make test                                    # the default profile: a few derandomized examples per backend
    .venv/bin/python -m pytest tests/model --hypothesis-profile=money-long -x
                                                 # the long run: 300 examples of up to 60 steps per backend,
                                                 # random seeds, failures kept in .hypothesis/ and replayed first
                                                 # next time (MONEY_MODEL_EXAMPLES=1000 for more)
    MONEY_MODEL_STATS=money-stats.json ...       # also write examples / steps / requests per backend there

test_money_lifecycles.py walks a few long paths through the same machine on every run (a handful of random
examples rarely does): the issue's three bugs, late usage through credit, void, reissue and carry-over, month
edges, JPY and KWD.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.model.conftest import SETTINGS, Deployment
from tests.model.reference import (
    MINOR_UNITS,
    Content,
    Invoice,
    Model,
    Refused,
    next_period,
    period_bounds,
    period_of,
    previous_period,
)

pytestmark = pytest.mark.e2e

D = Decimal

# --- what the machine draws from ------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Asia/Kolkata",
    "America/St_Johns",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
]
FEATURES = ["calls", "seats", "storage", "users", "payments"]
USERS = ["u1", "u2", "u3", "u4", "u5"]
QUANTITIES = ["0", "1", "2", "3", "4.5", "5", "7", "10", "12.125", "99.995", "100", "250.50", "1000", "0.005"]
UNIT_AMOUNTS = ["0", "0.005", "0.0125", "0.333", "0.5", "1", "2.5", "3"]
FLAT_AMOUNTS = ["0", "0.5", "2", "5"]
UP_TO = ["1", "2.5", "5", "10", "100", "1000"]
CURRENCIES = ["USD", "JPY", "KWD"]
# Plan fees, minimums and credit are whole minor units of the plan's currency.
MONEY = {
    "USD": ["9.99", "25.00", "49.00", "60.00", "0.01"],
    "JPY": ["500", "999", "2500", "4900", "1"],
    "KWD": ["1.250", "7.125", "15.500", "20.000", "0.001"],
}
UNIT_PRICES = ["0.01", "0.5", "2", "0.125"]
MAX_CUSTOMERS = 3
MAX_PLANS = 5
MAX_EVENTS_PER_BATCH = 4
RUN_WAIT_SECONDS = 60
ENTRY_KINDS = ("consumption", "restoration", "carryover", "carryover_reversal")

# --- profiles ---------------------------------------------------------------------------------------------

# SQLite answers in milliseconds, DynamoDB + SQS on moto in tenths of a second: the CI runs more examples on
# SQLite (the rules) and fewer on DynamoDB (the same rules through the other adapter and the billing queue).
CI_EXAMPLES = {"sqlite": 30, "dynamodb": 4}
CI = settings(
    stateful_step_count=30,
    deadline=None,
    derandomize=True,  # the same lifecycles on every run: CI is reproducible
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as found: shrinking replays take minutes
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def machine_settings(backend: str) -> settings:
    """The CI settings, unless a money-* profile was loaded (--hypothesis-profile=money-long)."""
    if settings.get_current_profile_name().startswith("money-"):
        return settings()
    return settings(CI, max_examples=CI_EXAMPLES[backend])


# --- strategies ---------------------------------------------------------------------------------------------


def tiers(price_key: str, values: list[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    bounds = st.lists(st.sampled_from(UP_TO), max_size=2, unique=True).map(lambda b: sorted(b, key=D))
    return bounds.flatmap(
        lambda ups: st.tuples(
            *[
                st.fixed_dictionaries(
                    {
                        "up_to": st.just(up),
                        price_key: st.sampled_from(values),
                        "flat_amount": st.sampled_from(FLAT_AMOUNTS),
                    }
                )
                for up in [*ups, None]
            ]
        ).map(list)
    )


AGGREGATIONS = st.sampled_from(["sum", "count", "max", "latest", "unique_count"])


def with_aggregation(price: dict[str, Any], aggregation: str) -> dict[str, Any]:
    if aggregation == "unique_count":
        return {**price, "aggregation": aggregation, "property": "user_id"}
    return {**price, "aggregation": aggregation}


@st.composite
def percentage_prices(draw: st.DrawFn) -> dict[str, Any]:
    price: dict[str, Any] = {"model": "percentage", "rate": draw(st.sampled_from(["1", "2.9", "2.99", "10", "50"]))}
    if draw(st.booleans()):
        price["fixed_amount"] = draw(st.sampled_from(["0.30", "1", "5"]))
    if draw(st.booleans()):
        price["free_units_per_events"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        price["free_units_per_total_aggregation"] = draw(st.sampled_from(["3", "15", "30"]))
    if draw(st.booleans()):
        low = draw(st.sampled_from([None, "0.5", "1.75"]))
        high = draw(st.sampled_from([None, "2", "12"]))
        if low is not None:
            price["per_transaction_min_amount"] = low
        if high is not None:
            price["per_transaction_max_amount"] = high
    price["aggregation"] = draw(st.sampled_from(["sum", "count"]))
    return price


@st.composite
def prices(draw: st.DrawFn, feature: str) -> dict[str, Any]:
    model = draw(st.sampled_from(["per_unit", "graduated", "volume", "package", "percentage", "graduated_percentage"]))
    if model == "percentage":
        return {"feature": feature, **draw(percentage_prices())}
    if model == "per_unit":
        price: dict[str, Any] = {"model": model, "unit_amount": draw(st.sampled_from(UNIT_AMOUNTS))}
    elif model in ("graduated", "volume"):
        price = {"model": model, "tiers": draw(tiers("unit_amount", UNIT_AMOUNTS))}
    elif model == "graduated_percentage":
        price = {"model": model, "tiers": draw(tiers("rate", ["0", "1", "2.5", "10"]))}
    else:
        price = {
            "model": model,
            "package_size": draw(st.sampled_from(["1", "2.5", "3", "10", "100"])),
            "package_amount": draw(st.sampled_from(["0.5", "1.50", "5", "100"])),
        }
        if draw(st.booleans()):
            price["free_units"] = draw(st.sampled_from(["1", "10", "100"]))
    aggregation = draw(AGGREGATIONS)
    if model == "graduated_percentage" and aggregation == "latest":
        aggregation = "max"
    return {"feature": feature, **with_aggregation(price, aggregation)}


@st.composite
def plan_specs(draw: st.DrawFn) -> dict[str, Any]:
    currency = draw(st.sampled_from(CURRENCIES))
    features = draw(st.lists(st.sampled_from(FEATURES), max_size=3, unique=True))
    spec: dict[str, Any] = {
        "name": "model plan",
        "currency": currency,
        "prices": [draw(prices(feature)) for feature in features],
    }
    if draw(st.booleans()):
        spec["amount"] = draw(st.sampled_from(MONEY[currency]))
    if draw(st.booleans()):
        spec["minimum_amount"] = draw(st.sampled_from(MONEY[currency]))
    if draw(st.booleans()):
        spec["net_days"] = draw(st.sampled_from([0, 7, 30]))
    return spec


EVENT_PLACES = st.sampled_from(["first", "last", "inside", "inside", "utc_first", "utc_last"])


@dataclass(frozen=True)
class Sent:
    """An event as the machine sends it."""

    id: str
    feature: str
    quantity: str
    ts: datetime
    user: str | None = None  # properties.user_id
    local_offset: bool = False  # ts written with the customer's offset instead of Z


# --- the machine --------------------------------------------------------------------------------------------


def months_around(today: date) -> list[str]:
    current = f"{today.year:04d}-{today.month:02d}"
    periods = [current]
    for _ in range(3):
        periods.insert(0, previous_period(periods[0]))
    return [*periods, next_period(current)]


def iso(instant: datetime, zone: str | None = None) -> str:
    """As the API takes it: in UTC with a Z, or with the customer's local offset."""
    if zone is None:
        return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return instant.astimezone(ZoneInfo(zone)).isoformat()


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def lines_of(lines: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """An invoice's lines as the comparison sees them: type, feature, quantity, amount, adjusted period."""
    return [
        (
            line["type"],
            line.get("feature"),
            None if line.get("quantity") is None else D(line["quantity"]),
            D(line["amount"]),
            line.get("adjusts_period"),
        )
        for line in lines
    ]


def model_lines(content: Content) -> list[tuple[Any, ...]]:
    return [line.key() for line in content.lines]


def summary(content: Content) -> dict[str, Any]:
    return {
        "currency": content.currency,
        "lines": model_lines(content),
        "subtotal": content.subtotal,
        "credits_applied": content.credits_applied,
        "total": content.total,
        "carried_over": content.carried_over,
    }


def served_summary(document: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "currency": document["currency"],
        "lines": lines_of(document["line_items"]),
        "subtotal": D(document["subtotal"]),
        "credits_applied": D(document["credits_applied"]),
        "total": D(document["total"]),
        "carried_over": D(document["carried_over"]),
    }


def money_text_is_exact(document: Mapping[str, Any]) -> None:
    """Every amount is written with exactly the currency's decimals (0.10 USD, 5 JPY, 0.125 KWD)."""
    places = MINOR_UNITS[document["currency"]]
    texts = [document[key] for key in ("subtotal", "credits_applied", "total", "carried_over")]
    texts += [line["amount"] for line in document["line_items"]]
    for text in texts:
        decimals = len(text.split(".")[1]) if "." in text else 0
        assert decimals == places, f"{text!r} is not written in {document['currency']}'s {places} decimals"


class MoneyMachine(RuleBasedStateMachine):
    plans = Bundle("plans")
    customers = Bundle("customers")

    def __init__(self, deployment: Deployment) -> None:
        super().__init__()
        self.deployment = deployment
        self.api = deployment.fresh_enough()
        deployment.stats.examples += 1
        self.model = Model()
        self.periods = months_around(datetime.now(UTC).date())
        self.event_ids = 0
        self.ids: dict[tuple[str, str, int], str] = {}  # model invoice key → the server's invoice id
        self.keys: dict[str, tuple[str, str, int]] = {}
        self.numbers: dict[tuple[str, str, int], int] = {}  # R4: number given at finalization
        self.last_closed: str | None = None

    # -- helpers ------------------------------------------------------------------------------------------

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return self.api.request(method, path, body)

    def ok(self, method: str, path: str, body: Any = None, expected: tuple[int, ...] = (200, 201)) -> Any:
        status, reply = self.call(method, path, body)
        assert status in expected, f"{method} {path} {body!r} → {status} {reply!r}"
        return reply

    def step(self, name: str) -> None:
        self.deployment.stats.steps += 1
        self.deployment.stats.rules[name] = self.deployment.stats.rules.get(name, 0) + 1

    def usable_periods(self) -> list[str]:
        return self.periods

    def invoices_where(self, status: str) -> list[tuple[str, str, int]]:
        """In the order the model made them: never sorted by the server's random ids, so that hypothesis draws
        the same choices when it replays an example."""
        return [key for key, invoice in self.model.invoices.items() if invoice.status == status and key in self.ids]

    # -- plans and customers --------------------------------------------------------------------------------

    @initialize(target=plans, spec=plan_specs())
    def first_plan(self, spec: dict[str, Any]) -> str:
        return self.create_plan(spec)

    @precondition(lambda self: len(self.model.plans) < MAX_PLANS)
    @rule(target=plans, spec=plan_specs())
    def another_plan(self, spec: dict[str, Any]) -> str:
        return self.create_plan(spec)

    def create_plan(self, spec: dict[str, Any]) -> str:
        self.step("create_plan")
        plan = self.ok("POST", "/v1/plans", spec, expected=(201,))
        self.model.add_plan(plan["id"], spec)
        return plan["id"]

    @initialize(target=customers, zone=st.sampled_from(ZONES), plan=st.none() | plans)
    def first_customer(self, zone: str, plan: str | None) -> str:
        return self.create_customer(zone, plan)

    @precondition(lambda self: len(self.model.customers) < MAX_CUSTOMERS)
    @rule(target=customers, zone=st.sampled_from(ZONES), plan=st.none() | plans)
    def another_customer(self, zone: str, plan: str | None) -> str:
        return self.create_customer(zone, plan)

    def create_customer(self, zone: str, plan_id: str | None) -> str:
        self.step("create_customer")
        body: dict[str, Any] = {"name": "Model", "email": f"model-{time.time_ns()}@example.com", "timezone": zone}
        if plan_id is not None:
            body["plan_id"] = plan_id
        customer = self.ok("POST", "/v1/customers", body, expected=(201,))
        self.deployment.customers += 1
        expected_currency = self.model.plans[plan_id].currency if plan_id else "USD"
        assert (customer["timezone"], customer["plan_id"], customer["currency"]) == (zone, plan_id, expected_currency)
        self.model.add_customer(customer["id"], zone, instant(customer["created_at"]), plan_id)
        return customer["id"]

    @rule(customer=customers, plan=plans)
    def change_plan(self, customer: str, plan: str) -> None:
        self.step("change_plan")
        status, reply = self.call("PUT", f"/v1/customers/{customer}/plan", {"plan_id": plan})
        try:
            self.model.set_plan(customer, plan)
        except Refused as refused:
            assert status == refused.status, f"the model refuses ({refused}); the API said {status} {reply!r}"
            return
        assert status == 200, f"plan change refused: {status} {reply!r}"
        assert (reply["plan_id"], reply["currency"]) == (plan, self.model.customers[customer].currency)

    # -- usage ------------------------------------------------------------------------------------------------

    @rule(customer=customers, data=st.data())
    def send_events(self, customer: str, data: st.DataObject) -> None:
        self.step("send_events")
        self.send(customer, data, self.usable_periods(), EVENT_PLACES)

    @rule(customer=customers, data=st.data())
    def send_events_at_month_edges(self, customer: str, data: st.DataObject) -> None:
        self.step("send_events_at_month_edges")
        self.send(customer, data, self.usable_periods(), st.sampled_from(["first", "last", "utc_first", "utc_last"]))

    @precondition(lambda self: bool(self.finalized_periods()))
    @rule(data=st.data())
    def send_late_events(self, data: st.DataObject) -> None:
        """Events for a period whose invoice is finalized: late usage, billed as an adjustment."""
        self.step("send_late_events")
        customer, period = data.draw(st.sampled_from(self.finalized_periods()), label="finalized period")
        self.send(customer, data, [period], EVENT_PLACES)

    def finalized_periods(self) -> list[tuple[str, str]]:
        finalized = [key[:2] for key, invoice in self.model.invoices.items() if invoice.status == "finalized"]
        return list(dict.fromkeys(finalized))

    def send(self, customer: str, data: st.DataObject, periods: list[str], places: st.SearchStrategy[str]) -> None:
        zone = self.model.customers[customer].timezone
        known = list(self.model.customers[customer].events)
        events: list[Sent] = []
        for _ in range(data.draw(st.integers(1, MAX_EVENTS_PER_BATCH), label="events")):
            earlier = known + [event.id for event in events]
            if earlier and data.draw(st.integers(0, 5), label="duplicate?") == 0:
                event_id = data.draw(st.sampled_from(earlier), label="same id")
            else:
                event_id = self.new_event_id()
            feature = data.draw(st.sampled_from(FEATURES), label="feature")
            quantity = data.draw(st.sampled_from(QUANTITIES), label="quantity")
            ts = self.draw_instant(data, zone, periods, places)
            local = data.draw(st.booleans(), label="local offset")
            user = None
            if data.draw(st.integers(0, 3), label="user?") > 0 or feature == "users":
                user = data.draw(st.sampled_from(USERS), label="user")
            events.append(Sent(event_id, feature, quantity, ts, user, local))
        self.post_events(customer, events)

    def new_event_id(self) -> str:
        self.event_ids += 1
        return f"evt-{self.event_ids}"

    def post_events(self, customer: str, events: list[Sent]) -> None:
        """One batch; the model stores what the API says it accepted, and the API must say what the model says."""
        zone = self.model.customers[customer].timezone
        batch = []
        for event in events:
            body: dict[str, Any] = {"id": event.id, "feature": event.feature, "quantity": event.quantity}
            body["ts"] = iso(event.ts, zone if event.local_offset else None)
            if event.user is not None:
                body["properties"] = {"user_id": event.user}
            batch.append(body)
        reply = self.ok("POST", "/v1/events/batch", {"customer_id": customer, "events": batch}, expected=(200,))
        accepted = self.model.ingest(
            customer,
            [
                (
                    event.id,
                    event.feature,
                    D(event.quantity),
                    event.ts,
                    {} if event.user is None else {"user_id": event.user},
                )
                for event in events
            ],
        )
        statuses = ["accepted" if ok else "duplicate" for ok in accepted]
        assert [result["status"] for result in reply["results"]] == statuses, reply
        assert (reply["accepted"], reply["duplicates"]) == (accepted.count(True), accepted.count(False))

    def draw_instant(
        self, data: st.DataObject, zone: str, periods: list[str], places: st.SearchStrategy[str]
    ) -> datetime:
        period = data.draw(st.sampled_from(periods), label="event period")
        start, end = period_bounds(period, zone)
        place = data.draw(places, label="where in the month")
        if place == "first":
            return start
        if place == "last":
            return end - timedelta(microseconds=1)
        if place in ("utc_first", "utc_last"):  # the UTC month's edge: another local month in most zones
            utc_start, utc_end = period_bounds(period, "UTC")
            moment = utc_start if place == "utc_first" else utc_end - timedelta(microseconds=1)
            if period_of(moment, zone) in periods:
                return moment
            return start
        seconds = data.draw(st.integers(0, int((end - start).total_seconds()) - 1), label="second")
        micros = data.draw(st.sampled_from([0, 0, 1, 500_000, 999_999]), label="microsecond")
        return start + timedelta(seconds=seconds, microseconds=micros)

    # -- billing ----------------------------------------------------------------------------------------------

    @rule(data=st.data())
    def run_billing(self, data: st.DataObject) -> None:
        self.step("run_billing")
        self.run(data, data.draw(st.sampled_from(self.usable_periods()), label="run period"))

    @precondition(lambda self: bool(self.model.customers))
    @rule(data=st.data())
    def run_billing_of_a_period_with_usage(self, data: st.DataObject) -> None:
        self.step("run_billing_of_a_period_with_usage")
        used = sorted(
            {
                period_of(event.ts, customer.timezone)
                for customer in self.model.customers.values()
                for event in customer.events.values()
            }
            & set(self.usable_periods())
        )
        self.run(data, data.draw(st.sampled_from(used or self.usable_periods()), label="run period"))

    @precondition(lambda self: bool(self.model.customers))
    @rule(data=st.data())
    def close_a_period(self, data: st.DataObject) -> None:
        """What the monthly schedule and the daily sweep do to a period: bill it, then finalize its drafts."""
        self.step("close_a_period")
        self.close(data, data.draw(st.sampled_from(self.usable_periods()), label="period to close"))

    @precondition(lambda self: bool(self.model.customers) and self.next_to_close() is not None)
    @rule(data=st.data())
    def close_the_next_period(self, data: st.DataObject) -> None:
        """Months closed in order, as time goes by: late usage of one is adjusted on the next."""
        self.step("close_the_next_period")
        period = self.next_to_close()
        assert period is not None
        self.close(data, period)

    def next_to_close(self) -> str | None:
        later = [period for period in self.usable_periods() if self.last_closed is None or period > self.last_closed]
        return later[0] if later else None

    def close(self, data: st.DataObject, period: str) -> None:
        self.run(data, period)
        self.finalize_period(period)

    def finalize_period(self, period: str) -> None:
        """The daily sweep for one period: every draft of it finalized."""
        self.last_closed = max(period, self.last_closed or period)
        self.every_invoice_is_the_models()  # the drafts' ids
        for key in [key for key in self.invoices_where("draft") if key[1] == period]:
            self.finalize_one(key)

    def run(self, data: st.DataObject, period: str) -> None:
        names_a_price = data.draw(st.booleans(), label="unit price?")
        self.run_period(period, data.draw(st.sampled_from(UNIT_PRICES), label="unit price") if names_a_price else None)

    def run_period(self, period: str, unit_price: str | None) -> None:
        """POST /v1/invoices/run for the period, followed to its end; the model bills its customers the same."""
        query = f"period={period}" + ("" if unit_price is None else f"&unit_price={unit_price}")
        run = self.ok("POST", f"/v1/invoices/run?{query}", expected=(200,))
        run = self.finished(run)
        outcome = self.model.run(period, None if unit_price is None else D(unit_price))
        assert not [f for f in run.get("failures", []) if f["customer_id"] in self.model.customers], run
        self.check_unpriced_report(run, period, outcome)

    def finished(self, run: dict[str, Any]) -> dict[str, Any]:
        """The run's answer when it was done in it (SQLite), else its resource once the workers are done."""
        deadline, run_id = time.monotonic() + RUN_WAIT_SECONDS, run["billing_run_id"]
        while run["status"] != "done":
            assert time.monotonic() < deadline, f"billing run {run_id} still running"
            time.sleep(0.05)
            run = {**self.ok("GET", f"/v1/billing-runs/{run_id}", expected=(200,)), "queued": True}
        return run

    def check_unpriced_report(self, run: dict[str, Any], period: str, outcome: Mapping[str, Invoice | None]) -> None:
        """R2: a run reports usage billed without a price, per customer, on drafts with no unit price."""
        expected = {}
        for customer_id, invoice in outcome.items():
            if invoice is None or invoice.status != "draft":
                continue
            features = self.model.unpriced(customer_id, period, invoice.content.plan_id, invoice.content.unit_price)
            if features:
                expected[customer_id] = features
        if run.get("queued"):
            assert run.get("customers_with_unpriced_usage", -1) >= len(expected), f"R2: run resource {run!r}"
            return
        assert "unpriced_usage" in run, f"R2: the run's answer has no unpriced_usage: {run!r}"
        reported = {
            entry["customer_id"]: sorted(entry["features"])
            for entry in run["unpriced_usage"]
            if entry["customer_id"] in self.model.customers
        }
        assert reported == expected, f"R2: unpriced usage reported {reported}, expected {expected}"

    @precondition(lambda self: bool(self.invoices_where("draft")))
    @rule(data=st.data())
    def finalize(self, data: st.DataObject) -> None:
        self.step("finalize")
        self.finalize_one(data.draw(st.sampled_from(self.invoices_where("draft")), label="draft"))

    @precondition(lambda self: bool(self.invoices_where("draft")))
    @rule()
    def finalize_the_oldest_draft(self) -> None:
        """As the daily sweep does: the earliest period first."""
        self.step("finalize_the_oldest_draft")
        drafts = self.invoices_where("draft")
        self.finalize_one(min(drafts, key=lambda key: (key[1], drafts.index(key))))  # not by the server's ids

    def finalize_one(self, key: tuple[str, str, int]) -> None:
        invoice = self.ok("POST", f"/v1/invoices/{self.ids[key]}/finalize", expected=(200,))
        assert invoice["status"] == "finalized", invoice
        self.model.finalize(key, instant(invoice["finalized_at"]))
        self.check_document(key, invoice, first_time=True)

    def check_document(
        self, key: tuple[str, str, int], invoice: Mapping[str, Any], *, first_time: bool = False
    ) -> None:
        """R4: number (consecutive in finalization order), issue and due dates, issuer, frozen at finalization."""
        prefix = SETTINGS["INVOICE_NUMBER_PREFIX"]
        match = re.fullmatch(rf"{prefix}-(\d{{6,}})", invoice.get("number") or "")
        assert match, f"R4: finalized invoice without a number: {invoice.get('number')!r}"
        number = int(match.group(1))
        if first_time:
            assert number == self.deployment.last_number + 1, f"R4: number {number} after {self.deployment.last_number}"
            self.deployment.last_number = number
            self.numbers[key] = number
        assert number == self.numbers[key], f"R4: {key} was numbered {self.numbers[key]}, now {number}"
        model = self.model.invoices[key]
        assert model.finalized_at is not None
        customer = self.model.customers[key[0]]
        issued = model.finalized_at.astimezone(ZoneInfo(customer.timezone)).date()
        plan = self.model.plans.get(model.content.plan_id or "")
        net_days = (
            plan.net_days if plan is not None and plan.net_days is not None else int(SETTINGS["INVOICE_NET_DAYS"])
        )
        assert invoice.get("issue_date") == issued.isoformat(), f"R4: issue date {invoice.get('issue_date')}"
        assert invoice.get("due_date") == (issued + timedelta(days=net_days)).isoformat(), f"R4: due date {invoice}"
        issuer = {
            "name": SETTINGS["ISSUER_NAME"],
            "address": SETTINGS["ISSUER_ADDRESS"],
            "tax_id": SETTINGS["ISSUER_TAX_ID"],
        }
        assert invoice.get("issuer") == issuer, f"R4: issuer {invoice.get('issuer')!r}"

    @precondition(lambda self: bool(self.invoices_where("finalized")))
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        self.step("void")
        self.void_one(data.draw(st.sampled_from(self.invoices_where("finalized")), label="finalized"))

    def void_one(self, key: tuple[str, str, int]) -> None:
        status, invoice = self.call("POST", f"/v1/invoices/{self.ids[key]}/void")
        try:
            self.model.void(key)
        except Refused as refused:
            assert status == refused.status, f"the model refuses the void ({refused}); the API said {status} {invoice}"
            return
        assert status == 200, f"void refused: {status} {invoice}"
        assert invoice["status"] == "void", invoice

    @precondition(lambda self: bool(self.invoices_where("void")))
    @rule(data=st.data())
    def reissue(self, data: st.DataObject) -> None:
        self.step("reissue")
        self.reissue_one(data.draw(st.sampled_from(self.invoices_where("void")), label="void"))

    def reissue_one(self, key: tuple[str, str, int]) -> None:
        reply = self.ok("POST", f"/v1/invoices/{self.ids[key]}/reissue")
        replacement = self.model.reissue(key)
        assert (reply.get("period"), reply.get("issue")) == (key[1], replacement.issue), f"R3: reissue gave {reply!r}"
        assert reply.get("replaces") == self.ids[key], f"R3: the replacement names {reply.get('replaces')!r}"
        self.remember(replacement.key, reply["id"])

    @precondition(lambda self: any(key in self.ids for key in self.model.invoices))
    @rule(data=st.data())
    def refused_transition(self, data: st.DataObject) -> None:
        """Finalizing a void invoice, voiding a draft, reissuing what is not void: 409, nothing changes."""
        self.step("refused_transition")
        key = data.draw(st.sampled_from([k for k in self.model.invoices if k in self.ids]), label="invoice")
        status = self.model.invoices[key].status
        refused = {"void": ["finalize"], "draft": ["void", "reissue"], "finalized": ["reissue"]}[status]
        action = data.draw(st.sampled_from(refused), label="action")
        code, reply = self.call("POST", f"/v1/invoices/{self.ids[key]}/{action}")
        assert code == 409, f"{action} of a {status} invoice answered {code} {reply!r}"

    # -- credit, previews -------------------------------------------------------------------------------------

    @rule(customer=customers, data=st.data())
    def grant_credit(self, customer: str, data: st.DataObject) -> None:
        self.step("grant_credit")
        currency = self.model.customers[customer].currency
        self.grant(customer, data.draw(st.sampled_from(MONEY[currency]), label="credit"))

    def grant(self, customer: str, amount: str) -> None:
        self.ok(
            "POST", f"/v1/customers/{customer}/credits", {"amount": amount, "description": "model"}, expected=(201,)
        )
        self.model.grant(customer, D(amount))

    @rule(customer=customers, data=st.data())
    def previews(self, customer: str, data: st.DataObject) -> None:
        """A period's estimate under the customer's own plan and another (stored or inline), and its usage as
        billed (R5)."""
        self.step("previews")
        period = data.draw(st.sampled_from(self.usable_periods()), label="preview period")
        self.check_usage_as_billed(customer, period)
        if data.draw(st.booleans(), label="inline plan?"):
            spec = data.draw(plan_specs(), label="inline plan")
            spec.pop("net_days", None)
            self.compare_estimate(customer, period, spec=spec)
        else:
            plan_id = data.draw(st.sampled_from(list(self.model.plans)), label="plan")
            self.compare_estimate(customer, period, plan_id=plan_id)

    def compare_estimate(
        self, customer: str, period: str, *, plan_id: str | None = None, spec: dict[str, Any] | None = None
    ) -> None:
        """POST /v1/customers/{id}/estimate against a stored plan or an inline one: both sides as the model rates
        the period (its own plan's side equals what its draft rates)."""
        own = self.model.customers[customer].plan_id
        if spec is not None:
            body: dict[str, Any] = {"period": period, "plan": spec}
            other = self.model.add_plan("plan_inline", spec)
        else:
            assert plan_id is not None
            body, other = {"period": period, "plan_id": plan_id}, self.model.plans[plan_id]
        reply = self.ok("POST", f"/v1/customers/{customer}/estimate", body, expected=(200,))
        try:
            current = self.model.estimate(customer, period, own)
            estimate = self.model.estimate(customer, period, other.id)
        finally:
            self.model.plans.pop("plan_inline", None)
        assert served_summary(reply["current"]) == summary(current), f"estimate under its own plan, {period}"
        assert served_summary(reply["estimate"]) == summary(estimate), f"estimate under {other.id}, {period}"

    def check_usage_as_billed(self, customer: str, period: str) -> None:
        """R5: a period's usage under the customer's plan's aggregations, as its invoice bills it."""
        start, end = period_bounds(period, self.model.customers[customer].timezone)
        query = f"start={iso(start)}&end={iso(end)}&aggregation=billed"
        served = self.ok("GET", f"/v1/customers/{customer}/usage?{query}", expected=(200,))
        expected = self.model.billed_usage(customer, period)
        got = {item["feature"]: (D(item["quantity"]), item.get("aggregation"), item.get("property")) for item in served}
        assert got == expected, f"R5: usage as billed for {period}"

    # -- invariants ---------------------------------------------------------------------------------------------

    def remember(self, key: tuple[str, str, int], server_id: str) -> None:
        assert self.keys.setdefault(server_id, key) == key, f"{server_id} is {self.keys[server_id]} and {key}"
        assert self.ids.setdefault(key, server_id) == server_id, f"{key} is {self.ids[key]} and {server_id}"

    @invariant()
    def every_invoice_is_the_models(self) -> None:
        for customer_id in self.model.customers:
            served = self.ok("GET", f"/v1/customers/{customer_id}/invoices", expected=(200,))
            by_key: dict[tuple[str, str, int], dict[str, Any]] = {}
            for invoice in served:
                key = (customer_id, invoice["period"], int(invoice["issue"]))
                assert key not in by_key, (
                    f"R3: two invoices for {key}: {by_key.get(key, {}).get('id')}, {invoice['id']}"
                )
                by_key[key] = invoice
                self.remember(key, invoice["id"])
            expected = {key for key in self.model.invoices if key[0] == customer_id}
            assert set(by_key) == expected, (
                f"invoices of {customer_id}: served {sorted(by_key)}, model {sorted(expected)}"
            )
            for key, invoice in by_key.items():
                self.check_invoice(key, invoice)
            self.check_credit(customer_id)
            self.check_upcoming(customer_id)

    def check_invoice(self, key: tuple[str, str, int], invoice: Mapping[str, Any]) -> None:
        model = self.model.invoices[key]
        customer = self.model.customers[key[0]]
        start, end = period_bounds(key[1], customer.timezone)
        assert (instant(invoice["period_start"]), instant(invoice["period_end"])) == (start, end), invoice
        assert invoice["status"] == model.status, f"{key}: {invoice['status']} vs {model.status}"
        assert invoice["plan_id"] == model.content.plan_id, (
            f"{key}: plan {invoice['plan_id']} vs {model.content.plan_id}"
        )
        assert served_summary(invoice) == summary(model.content), f"invoice {key} ({invoice['id']})"
        money_text_is_exact(invoice)
        replaces = None if model.replaces is None else self.ids[model.replaces]
        assert invoice["replaces"] == replaces, f"R3: {key} replaces {invoice['replaces']}, not {replaces}"
        if not self.model.period_events(key[0], key[1]) and customer.created_at >= end:  # R1
            charged = [line for line in invoice["line_items"] if line["type"] not in ("adjustment", "credit")]
            assert not charged, f"R1: {key} bills {charged} for a period before the customer existed"
        if model.status == "draft":
            document = [invoice[name] for name in ("number", "issue_date", "due_date", "issuer")]
            assert document == [None] * 4, f"R4: a draft with a document: {document}"
        else:
            self.check_document(key, invoice)

    def check_credit(self, customer_id: str) -> None:
        ledger = self.ok("GET", f"/v1/customers/{customer_id}/credits", expected=(200,))
        currency = self.model.customers[customer_id].currency
        assert ledger["currency"] == currency
        assert D(ledger["balance"]) == self.model.balance(customer_id, currency), "credit balance"
        assert D(ledger["balance"]) >= 0, "credit below zero"
        served = sorted(
            (entry["type"], D(entry["amount"]), self.keys.get(entry["invoice_id"]) if entry["invoice_id"] else None)
            for entry in ledger["entries"]
        )
        expected = sorted((entry.kind, entry.amount, entry.invoice) for entry in self.model.credits[customer_id])
        assert served == expected, "credit ledger"
        for key, invoice in self.model.invoices.items():  # spent once, given back exactly
            if key[0] != customer_id:
                continue
            entries = {kind: [amount for k, amount, of in served if k == kind and of == key] for kind in ENTRY_KINDS}
            assert all(len(amounts) <= 1 for amounts in entries.values()), f"{key}: credit entries {entries}"
            taken, carried = entries["consumption"], entries["carryover"]
            if invoice.status != "draft":
                assert -sum(taken, D(0)) == invoice.content.credits_applied, f"{key}: consumed {taken}"
                assert sum(carried, D(0)) == invoice.content.carried_over, f"{key}: carried over {carried}"
            voided = invoice.status == "void"
            assert entries["restoration"] == ([-amount for amount in taken] if voided else []), f"{key}: {entries}"
            assert entries["carryover_reversal"] == ([-amount for amount in carried] if voided else []), entries

    def check_upcoming(self, customer_id: str) -> None:
        upcoming = self.ok("GET", f"/v1/customers/{customer_id}/upcoming-invoice", expected=(200,))
        customer = self.model.customers[customer_id]
        period = upcoming["period"]
        assert period == period_of(instant(upcoming["as_of"]), customer.timezone)
        expected = self.model.upcoming(customer_id, period)
        assert served_summary(upcoming) == summary(expected), f"upcoming invoice of {customer_id} ({period})"
        assert upcoming["events_counted"] == expected.rated_events
        self.check_finalized_periods_add_up(customer_id, upcoming)

    def check_finalized_periods_add_up(self, customer_id: str, upcoming: Mapping[str, Any]) -> None:
        """Billed for a finalized period (its invoice + adjustments on finalized invoices) + the pending
        adjustment (the upcoming invoice's, when it comes later) = the period re-rated with all its usage."""
        finalized = [
            i for i in self.model.invoices.values() if i.customer_id == customer_id and i.status == "finalized"
        ]
        for period in sorted({invoice.period for invoice in finalized}):
            latest = self.model.latest(customer_id, period)
            if latest is None or latest.status != "finalized":
                continue
            billed = latest.content.rated_amount + sum((i.content.adjusted(period) for i in finalized), D(0))
            if upcoming["period"] > period and upcoming["currency"] == latest.content.currency:
                pending = sum(
                    (D(line["amount"]) for line in upcoming["line_items"] if line.get("adjusts_period") == period), D(0)
                )
            else:
                pending = self.model.pending_adjustment(customer_id, period)
            rerated = self.model.rerated(customer_id, period)
            assert billed + pending == rerated, f"{period}: billed {billed} + pending {pending} != re-rated {rerated}"


@pytest.fixture
def machine(deployment: Deployment):
    return lambda: MoneyMachine(deployment)


def test_every_invoice_matches_the_reference_model(machine, deployment: Deployment) -> None:
    run_state_machine_as_test(machine, settings=machine_settings(deployment.backend))
    assert deployment.stats.steps > 0
