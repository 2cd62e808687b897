"""Plans as the API defines them: every refusal names its field; the stored form reads back equal."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from billing.adapters.records import plan_from_record, plan_to_record
from billing.domain.errors import InvalidInput
from billing.pricing import Plan, plan_from_spec

D = Decimal
NOW = datetime(2025, 10, 2, tzinfo=UTC)
PER_UNIT = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}


def plan(**overrides: Any) -> Plan:
    spec: dict[str, Any] = {
        "plan_id": "plan_1",
        "name": "Growth",
        "currency": "USD",
        "minimum_amount": "25.00",
        "grace_period_days": 3,
        "prices": [PER_UNIT],
        "created_at": NOW,
    }
    return plan_from_spec(**{**spec, **overrides})


def refused_field(**overrides: Any) -> str | None:
    with pytest.raises(InvalidInput) as error:
        plan(**overrides)
    return error.value.field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"currency": "usd"}, "currency", id="currency-lower-case"),
        pytest.param({"currency": "UDS"}, "currency", id="currency-not-iso-4217"),
        pytest.param({"minimum_amount": "-1"}, "minimum_amount", id="minimum-negative"),
        pytest.param({"minimum_amount": "25.001"}, "minimum_amount", id="minimum-finer-than-a-cent"),
        pytest.param({"minimum_amount": 2.5}, "minimum_amount", id="minimum-float"),
        pytest.param({"currency": "JPY", "minimum_amount": "10.5"}, "minimum_amount", id="minimum-fractional-yen"),
        pytest.param({"amount": "-1"}, "amount", id="plan-fee-negative"),
        pytest.param({"amount": "49.999"}, "amount", id="plan-fee-finer-than-a-cent"),
        pytest.param({"amount": 49.5}, "amount", id="plan-fee-float"),
        pytest.param({"currency": "JPY", "amount": "10.5"}, "amount", id="plan-fee-fractional-yen"),
        pytest.param({"grace_period_days": -1}, "grace_period_days", id="grace-negative"),
        pytest.param({"grace_period_days": 366}, "grace_period_days", id="grace-over-a-year"),
        pytest.param({"grace_period_days": True}, "grace_period_days", id="grace-boolean"),
        pytest.param({"prices": "api_calls"}, "prices", id="prices-not-a-list"),
        pytest.param({"prices": [PER_UNIT, {**PER_UNIT, "model": "tiered"}]}, "prices[1].model", id="unknown-model"),
        pytest.param(
            {"prices": [PER_UNIT, {**PER_UNIT, "unit_amount": "-0.01"}]}, "prices[1].unit_amount", id="negative-price"
        ),
        pytest.param({"prices": [{**PER_UNIT, "colour": "red"}]}, "prices[0].colour", id="unknown-price-key"),
        pytest.param(
            {"prices": [{**PER_UNIT, "aggregation": "unique_count"}]}, "prices[0].property", id="unique-no-property"
        ),
        pytest.param(
            {"prices": [PER_UNIT, {**PER_UNIT, "unit_amount": "0.02"}]}, "prices[1].feature", id="feature-twice"
        ),
    ],
)
def test_a_bad_plan_is_refused_naming_the_field(overrides, field):
    assert refused_field(**overrides) == field


def test_tier_mistakes_name_the_tier_and_its_field():
    tiers = [
        {"up_to": "10", "unit_amount": "1"},
        {"up_to": "100", "unit_amount": "0.5"},
        {"up_to": "50", "unit_amount": "0.1"},
        {"up_to": None, "unit_amount": "0.1"},
    ]
    not_ascending = [PER_UNIT, {"feature": "seats", "model": "volume", "tiers": tiers}]
    closed_last = [PER_UNIT, {"feature": "seats", "model": "graduated", "tiers": tiers[:2]}]

    assert refused_field(prices=not_ascending) == "prices[1].tiers[2].up_to"
    assert refused_field(prices=closed_last) == "prices[1].tiers[1].up_to"


def test_a_plan_may_have_no_prices_and_bill_only_its_minimum():
    assert plan(prices=[]).prices == ()


def test_a_plan_finds_the_price_of_a_feature():
    growth = plan(prices=[PER_UNIT, {"feature": "sms", "model": "package", "package_size": 100, "package_amount": 1}])

    assert growth.price_for("sms").model.name == "package"
    assert growth.price_for("seats") is None


def test_a_stored_plan_reads_back_equal():
    growth = plan(
        prices=[
            PER_UNIT,
            {"feature": "seats", "model": "volume", "aggregation": "max", "tiers": [{"up_to": None, "unit_amount": 8}]},
            {
                "feature": "users",
                "model": "per_unit",
                "unit_amount": "3",
                "aggregation": "unique_count",
                "property": "id",
            },
        ]
    )

    assert plan_from_record(plan_to_record(growth)) == growth
    assert plan_to_record(growth)["minimum_amount"] == "25.00"


def test_a_plan_stored_before_plan_fees_existed_reads_back_with_no_fee():
    record = plan_to_record(plan(amount="49.00"))
    del record["amount"]

    assert plan_from_record(record).amount == D(0)


def test_a_stored_plan_keeps_its_fee():
    growth = plan(amount="49.00")

    assert plan_from_record(plan_to_record(growth)) == growth
    assert plan_to_record(growth)["amount"] == "49.00"
