"""POST/GET /v1/plans and GET /v1/plans/{plan_id}: the issue's example plan, and bad input → 400 naming the field."""

from copy import deepcopy
from typing import Any

import pytest

from tests.sample_plans import GROWTH_PLAN as GROWTH


def create(api, body: dict[str, Any]):
    return api("create_plan", "POST /v1/plans", "/v1/plans", body)


def test_creating_the_issues_example_plan_returns_201_with_its_id_and_canonical_prices(api):
    reply = create(api, GROWTH)

    assert reply.status == 201
    plan = reply.body
    assert plan["id"].startswith("plan_")
    assert (plan["name"], plan["currency"], plan["minimum_amount"], plan["grace_period_days"]) == (
        "Growth",
        "USD",
        "25.00",
        3,
    )
    assert [(p["feature"], p["model"], p["aggregation"]) for p in plan["prices"]] == [
        ("api_calls", "graduated", "sum"),
        ("seats", "volume", "max"),
        ("storage_gb", "per_unit", "latest"),
        ("sms", "package", "sum"),
        ("active_users", "per_unit", "unique_count"),
    ]
    assert plan["prices"][0]["tiers"][2] == {"up_to": None, "unit_amount": "0.001", "flat_amount": "5"}
    assert plan["prices"][4]["property"] == "user_id"


def test_a_plans_payment_term_is_optional_and_read_back(api):
    assert create(api, GROWTH).body["net_days"] is None  # the deployment's INVOICE_NET_DAYS applies
    created = create(api, {**GROWTH, "net_days": 30}).body
    assert created["net_days"] == 30
    assert api("get_plan", "GET /v1/plans/{plan_id}", f"/v1/plans/{created['id']}").body == created


def test_a_created_plan_can_be_read_back_and_listed(api):
    created = create(api, GROWTH).body
    other = create(api, {**GROWTH, "name": "Starter", "prices": []}).body

    one = api("get_plan", "GET /v1/plans/{plan_id}", f"/v1/plans/{created['id']}")
    listed = api("list_plans", "GET /v1/plans", "/v1/plans")

    assert (one.status, one.body) == (200, created)
    assert listed.status == 200
    assert sorted(plan["id"] for plan in listed.body["data"]) == sorted([created["id"], other["id"]])
    assert listed.body["next_cursor"] is None


def test_an_unknown_plan_is_404(api):
    reply = api("get_plan", "GET /v1/plans/{plan_id}", "/v1/plans/plan_missing")

    assert reply.status == 404
    assert reply.body["error"]["code"] == "not_found"


def with_price(index: int, **changes: Any) -> dict[str, Any]:
    body = deepcopy(GROWTH)
    body["prices"][index].update(changes)
    return body


NOT_ASCENDING = [
    {"up_to": "100", "unit_amount": "1"},
    {"up_to": "50", "unit_amount": "1"},
    {"up_to": None, "unit_amount": "1"},
]
CLOSED = [{"up_to": "100", "unit_amount": "1"}, {"up_to": "200", "unit_amount": "1"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(with_price(1, model="tiered"), "prices[1].model", id="unknown-model"),
        pytest.param(with_price(0, tiers=NOT_ASCENDING), "prices[0].tiers[1].up_to", id="tiers-not-ascending"),
        pytest.param(with_price(1, tiers=CLOSED), "prices[1].tiers[1].up_to", id="last-tier-not-open-ended"),
        pytest.param(with_price(2, unit_amount="-0.25"), "prices[2].unit_amount", id="negative-unit-amount"),
        pytest.param(with_price(3, package_amount="-1"), "prices[3].package_amount", id="negative-package-amount"),
        pytest.param(with_price(3, package_size="0"), "prices[3].package_size", id="empty-package"),
        pytest.param({**GROWTH, "minimum_amount": "-25"}, "minimum_amount", id="negative-minimum"),
        pytest.param({**GROWTH, "amount": "-49"}, "amount", id="negative-plan-fee"),
        pytest.param({**GROWTH, "amount": "49.001"}, "amount", id="plan-fee-finer-than-a-cent"),
        pytest.param({**GROWTH, "amount": "forty"}, "amount", id="plan-fee-not-a-number"),
        pytest.param(with_price(3, free_units="-1"), "prices[3].free_units", id="negative-package-free-units"),
        pytest.param(with_price(0, model="percentage"), "prices[0].tiers", id="tiers-on-a-percentage-price"),
        pytest.param(
            {**GROWTH, "prices": [{"feature": "payments", "model": "percentage"}]},
            "prices[0].rate",
            id="percentage-without-rate",
        ),
        pytest.param(
            {**GROWTH, "prices": [{"feature": "payments", "model": "percentage", "rate": "-2.9"}]},
            "prices[0].rate",
            id="percentage-negative-rate",
        ),
        pytest.param(
            {
                **GROWTH,
                "prices": [{"feature": "payments", "model": "percentage", "rate": "1", "free_units_per_events": 0}],
            },
            "prices[0].free_units_per_events",
            id="percentage-no-free-events",
        ),
        pytest.param(
            {
                **GROWTH,
                "prices": [{"feature": "payments", "model": "graduated_percentage", "tiers": [{"up_to": None}]}],
            },
            "prices[0].tiers[0].rate",
            id="graduated-percentage-tier-without-rate",
        ),
        pytest.param(with_price(2, colour="blue"), "prices[2].colour", id="unknown-price-property"),
        pytest.param(with_price(4, property=None), "prices[4].property", id="unique-count-without-property"),
        pytest.param(with_price(2, property="user_id"), "prices[2].property", id="property-without-unique-count"),
        pytest.param(with_price(1, feature="api_calls"), "prices[1].feature", id="feature-priced-twice"),
        pytest.param({**GROWTH, "currency": "DOLLARS"}, "currency", id="unknown-currency"),
        pytest.param({**GROWTH, "grace_period_days": -1}, "grace_period_days", id="negative-grace"),
        pytest.param({**GROWTH, "net_days": 366}, "net_days", id="net-days-over-a-year"),
        pytest.param({**GROWTH, "net_days": 1.5}, "net_days", id="net-days-fractional"),
        pytest.param({**GROWTH, "colour": "blue"}, "colour", id="unknown-plan-field"),
        pytest.param({**GROWTH, "prices": ["api_calls"]}, "prices[0]", id="price-not-an-object"),
        pytest.param({k: v for k, v in GROWTH.items() if k != "name"}, "name", id="name-missing"),
    ],
)
def test_bad_plans_are_400_naming_the_field(api, body, field):
    reply = create(api, body)

    assert reply.status == 400
    assert reply.body["error"]["code"] == "validation_error"
    assert reply.error_fields() == [field]
    assert api.services.plans.list().items == []


def test_json_numbers_in_prices_are_read_exactly_not_as_floats(api):
    body = with_price(2, unit_amount=0.1)

    reply = create(api, body)

    assert reply.status == 201
    assert reply.body["prices"][2]["unit_amount"] == "0.1"


LAGO_LIKE = {
    "name": "Payments",
    "currency": "EUR",
    "amount": "49.00",
    "prices": [
        {
            "feature": "payments",
            "model": "percentage",
            "rate": "1.4",
            "fixed_amount": "0.25",
            "free_units_per_events": 3,
            "free_units_per_total_aggregation": "500",
            "per_transaction_min_amount": "0.30",
            "per_transaction_max_amount": "12",
        },
        {
            "feature": "payouts",
            "model": "graduated_percentage",
            "tiers": [{"up_to": "10000", "rate": "1", "flat_amount": "5"}, {"up_to": None, "rate": "0.5"}],
        },
        {"feature": "sms", "model": "package", "package_size": "100", "package_amount": "5", "free_units": "100"},
    ],
}


def test_a_plan_with_a_fee_and_lagos_pricing_fields_is_created_as_sent(api):
    reply = create(api, LAGO_LIKE)

    assert reply.status == 201
    assert (reply.body["amount"], reply.body["minimum_amount"]) == ("49.00", "0.00")
    payments, payouts, sms = reply.body["prices"]
    assert payments == {**LAGO_LIKE["prices"][0], "aggregation": "sum"}
    assert payouts["tiers"] == [
        {"up_to": "10000", "rate": "1", "flat_amount": "5"},
        {"up_to": None, "rate": "0.5", "flat_amount": "0"},
    ]
    assert sms["free_units"] == "100"
    read = api("get_plan", "GET /v1/plans/{plan_id}", f"/v1/plans/{reply.body['id']}")
    assert read.body == reply.body


def test_a_plan_without_a_fee_has_a_zero_fee(api):
    assert create(api, GROWTH).body["amount"] == "0.00"
