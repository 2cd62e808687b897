"""POST /v1/events semantics in the core: customers named per event, meters turning typed events into
quantities, all-or-nothing validation, de-duplication per event before meters apply."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from billing.domain.errors import Conflict, InvalidEvent, InvalidInput, MeterNotFound
from billing.services import NewEvent


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


SEPTEMBER = (utc(2025, 9, 1), utc(2025, 10, 1))


def totals(services, customer_id):
    return {usage.feature: usage.quantity for usage in services.usage.totals(customer_id, *SEPTEMBER)}


def typed(event_type, event_id, external="acme-1", ts=None, **properties):
    return NewEvent(
        ts=ts or utc(2025, 9, 3, 10), id=event_id, external_customer_id=external, type=event_type, properties=properties
    )


@pytest.fixture
def acme(services):
    return services.customers.create(name="Acme", email="ops@acme.example", external_id="acme-1")


@pytest.fixture
def globex(services):
    return services.customers.create(name="Globex", email="ops@globex.example", external_id="globex-1")


@pytest.fixture
def meters(services):
    services.meters.create(feature="api_calls", event_type="request")
    services.meters.create(feature="api_calls_eu", event_type="request", filters={"region": ["eu"]})
    services.meters.create(feature="tokens", event_type="prompt", value_property="usage.tokens")
    return services.meters


def test_one_event_feeds_every_matching_meter(services, acme, meters):
    result = services.ingest.ingest_events(
        [
            typed("request", "r1", region="eu"),
            typed("request", "r2", region="us"),
            typed("prompt", "p1", **{"usage.tokens": "1500.5"}),
        ]
    )
    assert [(o.id, o.duplicate, o.customer_id) for o in result.outcomes] == [
        ("r1", False, acme.id),
        ("r2", False, acme.id),
        ("p1", False, acme.id),
    ]
    assert totals(services, acme.id) == {"api_calls": 2, "api_calls_eu": 1, "tokens": Decimal("1500.5")}


def test_a_retried_event_is_a_duplicate_for_every_meter_it_fed(services, acme, meters):
    services.ingest.ingest_events([typed("request", "r1", region="eu")])
    again = services.ingest.ingest_events([typed("request", "r1", region="eu"), typed("request", "r1", region="eu")])
    assert (again.accepted, again.duplicates) == (0, 2)
    assert totals(services, acme.id) == {"api_calls": 1, "api_calls_eu": 1}


def test_a_batch_mixes_customers_by_id_or_external_id_and_feature_events(services, acme, globex, meters):
    result = services.ingest.ingest_events(
        [
            typed("request", "same-id"),
            typed("request", "same-id", external="globex-1"),
            NewEvent(ts=utc(2025, 9, 4), id="f1", customer_id=globex.id, feature="storage", quantity=Decimal("2.5")),
        ]
    )
    assert result.accepted == 3  # ids are per customer
    assert totals(services, acme.id) == {"api_calls": 1}
    assert totals(services, globex.id) == {"api_calls": 1, "storage": Decimal("2.5")}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (typed("unknown", "x"), "events[1].type"),
        (typed("prompt", "x"), "events[1].properties.usage.tokens"),
        (typed("prompt", "x", **{"usage.tokens": "many"}), "events[1].properties.usage.tokens"),
        (typed("request", "x", external="nobody"), "events[1].external_customer_id"),
        (NewEvent(ts=None, id="x", customer_id="cus_nope", type="request"), "events[1].customer_id"),
        # issue 17: the one event window and the one quantity bound hold in the core too, whatever the route
        (typed("request", "x", ts=utc(1970, 1, 1)), "events[1].ts"),
        (typed("request", "x", ts=utc(9999, 12, 31, 23, 59)), "events[1].ts"),
        (typed("prompt", "x", **{"usage.tokens": "1e15"}), "events[1].properties.usage.tokens"),
        (typed("prompt", "x", **{"usage.tokens": "0.0000000001"}), "events[1].properties.usage.tokens"),
    ],
)
def test_one_bad_event_refuses_the_whole_batch_naming_its_index_and_field(services, acme, meters, bad, field):
    with pytest.raises(InvalidEvent) as error:
        services.ingest.ingest_events([typed("request", "ok"), bad])
    assert error.value.field == field
    assert totals(services, acme.id) == {}


def test_an_event_that_matches_no_filter_is_accepted_and_adds_nothing(services, acme):
    services.meters.create(feature="eu_only", event_type="request", filters={"region": ["eu"]})
    result = services.ingest.ingest_events([typed("request", "r1", region="us")])
    assert result.accepted == 1
    assert totals(services, acme.id) == {}


def test_a_meter_created_later_does_not_count_earlier_events(services, acme, meters):
    services.ingest.ingest_events([typed("request", "before", region="eu")])
    services.meters.create(feature="eu_requests", event_type="request", filters={"region": ["eu"]})
    services.ingest.ingest_events([typed("request", "after", region="eu")])
    assert totals(services, acme.id) == {"api_calls": 2, "api_calls_eu": 2, "eu_requests": 1}


def test_an_event_without_time_is_stamped_with_the_clock(services, acme, meters, clock):
    clock.now = utc(2025, 10, 2, 12)
    services.ingest.ingest_events([NewEvent(ts=None, id="n", external_customer_id="acme-1", type="request")])
    assert totals(services, acme.id) == {}
    october = services.usage.totals(acme.id, utc(2025, 10, 2), utc(2025, 10, 3))
    assert [(u.feature, u.quantity) for u in october] == [("api_calls", 1)]


def test_meters_are_one_per_feature_and_their_paths_are_checked(services, meters):
    with pytest.raises(Conflict):
        services.meters.create(feature="api_calls", event_type="other")
    with pytest.raises(MeterNotFound):
        services.meters.get("nope")
    with pytest.raises(InvalidInput) as error:
        services.meters.create(feature="x", event_type="t", value_property="a..b")
    assert error.value.field == "value_property"
    assert services.meters.get("api_calls_eu").filters == {"region": ("eu",)}
    assert sorted(m.feature for m in services.meters.list().items) == ["api_calls", "api_calls_eu", "tokens"]


def test_an_id_that_looks_derived_never_stores_a_record_twice(services, acme, meters):
    result = services.ingest.ingest_events(
        [
            typed("request", "a"),
            NewEvent(
                ts=utc(2025, 9, 3),
                id="a#api_calls",
                external_customer_id="acme-1",
                feature="api_calls",
                quantity=Decimal(5),
            ),
        ]
    )
    assert [o.duplicate for o in result.outcomes] == [False, True]
    assert totals(services, acme.id) == {"api_calls": 1}
