from datetime import UTC, datetime
from decimal import Decimal

import pytest
from billing.domain.errors import InvalidInput, InvalidPrice
from billing.pricing import Aggregation, aggregate

D = Decimal


def at(hour: int) -> datetime:
    return datetime(2026, 3, 1, hour, tzinfo=UTC)


def test_given_quantities_when_summed_then_exact_decimal_total() -> None:
    assert aggregate(Aggregation.SUM, [D("0.1"), D("0.2"), 3]) == D("3.3")


def test_given_events_when_counted_then_one_per_event() -> None:
    assert aggregate("count", [D(5), D(0), D(5)]) == D(3)


def test_given_quantities_when_max_then_greatest() -> None:
    assert aggregate("max", [D(3), D(11), D(7)]) == D(11)


def test_given_timestamped_quantities_when_latest_then_quantity_of_greatest_timestamp() -> None:
    assert aggregate("latest", [(at(9), D(40)), (at(12), D(25)), (at(10), D(99))]) == D(25)


def test_given_equal_timestamps_when_latest_then_later_pair_wins() -> None:
    assert aggregate("latest", [(at(9), D(1)), (at(9), D(2))]) == D(2)


def test_given_property_values_when_unique_count_then_distinct_values_without_missing_ones() -> None:
    assert aggregate("unique_count", ["u1", "u2", "u1", None, "u3"]) == D(3)


@pytest.mark.parametrize("kind", list(Aggregation))
def test_given_no_values_when_aggregated_then_zero(kind: Aggregation) -> None:
    assert aggregate(kind, []) == 0


def test_given_unknown_aggregation_when_aggregated_then_invalid_price() -> None:
    with pytest.raises(InvalidPrice) as error:
        aggregate("avg", [D(1)])

    assert error.value.field == "aggregation"


def test_given_float_quantity_when_summed_then_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        aggregate("sum", [D(1), 0.5])

    assert error.value.field == "quantity"
