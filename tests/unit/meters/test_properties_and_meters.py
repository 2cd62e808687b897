"""Properties are flattened to dotted text keys at the boundary; a meter reads its value and filters there."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from billing.domain.meters import Meter, MeterValueError, derived_event_id
from billing.domain.properties import PropertyError, flatten_properties, parse_number

NOW = datetime(2025, 10, 1, tzinfo=UTC)


def test_nested_objects_become_dotted_keys_and_scalars_exact_text():
    flat = flatten_properties(
        {
            "usage": {"count": 3, "tokens": {"input": Decimal("1.50")}},
            "region": "eu",
            "beta": True,
            "big": Decimal("1E+3"),
        }
    )
    assert flat == {"usage.count": "3", "usage.tokens.input": "1.50", "region": "eu", "beta": "true", "big": "1000"}


@pytest.mark.parametrize(
    ("properties", "path"),
    [
        ({"a": {"b": {"c": {"d": {"e": 1}}}}}, "a.b.c.d"),
        ({"tags": ["x"]}, "tags"),
        ({"usage": {"count": None}}, "usage.count"),
        ({"a.b": "1", "a": {"b": "2"}}, "a.b"),
        ({"n": Decimal("NaN")}, "n"),
    ],
)
def test_what_cannot_be_metered_is_refused_naming_the_dotted_key(properties, path):
    with pytest.raises(PropertyError) as error:
        flatten_properties(properties)
    assert error.value.path == path


def test_four_levels_is_the_deepest_key():
    assert flatten_properties({"a": {"b": {"c": {"d": 1}}}}) == {"a.b.c.d": "1"}


@pytest.mark.parametrize(("text", "number"), [("12", Decimal(12)), (" 0.25 ", Decimal("0.25")), ("1e3", Decimal(1000))])
def test_numbers_are_read_exactly(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["abc", "NaN", "Infinity", "", "true", "1" * 39])
def test_anything_else_is_not_a_number(text):
    assert parse_number(text) is None


def test_a_meter_counts_one_per_event_without_a_value_property_and_filters_by_equality_or_one_of():
    calls = Meter("api_calls", "request", NOW)
    eu = Meter("api_calls_eu", "request", NOW, filters={"region": ("eu", "eu-2"), "tier": ("pro",)})
    assert calls.matches({}) and calls.quantity_of({}) == 1
    assert eu.matches({"region": "eu-2", "tier": "pro", "x": "y"})
    assert not eu.matches({"region": "us", "tier": "pro"})
    assert not eu.matches({"region": "eu"})


def test_a_meter_reads_its_value_at_a_dotted_path():
    tokens = Meter("tokens", "prompt", NOW, value_property="usage.tokens")
    assert tokens.quantity_of({"usage.tokens": "1234.5"}) == Decimal("1234.5")
    for properties, reason in [
        ({}, "is missing"),
        ({"usage.tokens": "lots"}, "is not a number"),
        ({"usage.tokens": "-1"}, "at least 0"),
        ({"usage.tokens": "1e15"}, "less than 1E+15"),  # the bound of a quantity sent as such (issue 17)
        ({"usage.tokens": "0.0000000001"}, "at most 9 decimal places"),
    ]:
        with pytest.raises(MeterValueError) as error:
            tokens.quantity_of(properties)
        assert error.value.path == "usage.tokens" and reason in error.value.reason


def test_derived_ids_name_the_event_and_the_feature():
    assert derived_event_id("evt-1", "api_calls_eu") == "evt-1#api_calls_eu"
