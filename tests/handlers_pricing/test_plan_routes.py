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
        pytest.param(with_price(2, colour="blue"), "prices[2].colour", id="unknown-price-property"),
        pytest.param(with_price(4, property=None), "prices[4].property", id="unique-count-without-property"),
        pytest.param(with_price(2, property="user_id"), "prices[2].property", id="property-without-unique-count"),
        pytest.param(with_price(1, feature="api_calls"), "prices[1].feature", id="feature-priced-twice"),
        pytest.param({**GROWTH, "currency": "DOLLARS"}, "currency", id="unknown-currency"),
        pytest.param({**GROWTH, "grace_period_days": -1}, "grace_period_days", id="negative-grace"),
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
