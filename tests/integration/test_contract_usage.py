"""Storage contract: usage events, their rollups and distinct-value counts."""

from __future__ import annotations

from decimal import Decimal

from billing.domain.usage import UsageAggregate

from tests.integration.builders import D, usage_event

MINUTE = 60_000_000


class TestRecording:
    def test_recording_reports_duplicates_and_counts_each_id_once(self, store):
        assert store.usage.record([usage_event("e1", "5", 1_000)]).stored == (True,)
        result = store.usage.record([usage_event("e1", "7", 2_000), usage_event("e2", "1", 3_000)])
        assert result.stored == (False, True)
        assert store.usage.period_usage("c1", "2025-09").features["api"].sum == Decimal(6)

    def test_a_retried_batch_reports_every_stored_event_as_a_duplicate(self, store):
        batch = [usage_event(f"e{n}", "1", n * MINUTE) for n in range(30)]
        store.usage.record(batch[:12])  # a first attempt that stored only part of the batch
        assert store.usage.record(batch).stored == (False,) * 12 + (True,) * 18
        assert store.usage.period_usage("c1", "2025-09").features["api"].count == 30

    def test_ids_are_per_customer(self, store):
        store.usage.record([usage_event("same", "1", 1_000, customer_id="c1")])
        assert store.usage.record([usage_event("same", "2", 1_000, customer_id="c2")]).stored == (True,)
        assert store.usage.period_usage("c2", "2025-09").features["api"].sum == 2

    def test_period_rollups_keep_sum_count_max_and_latest_by_timestamp(self, store):
        store.usage.record([usage_event("late", "3", 5_000), usage_event("early", "9", 1_000)])
        store.usage.record([usage_event("middle", "4", 2_000)])
        aggregate = store.usage.period_usage("c1", "2025-09").features["api"]
        assert (aggregate.sum, aggregate.count, aggregate.max) == (Decimal(16), 3, Decimal(9))
        assert (aggregate.latest_ts, aggregate.latest_quantity) == (5_000, Decimal(3))

    def test_sums_keep_every_digit(self, store):
        store.usage.record([usage_event("big", "999999999999999.999999999", 1_000)])
        store.usage.record([usage_event(f"e{n}", "0.000000001", 1_000 + n) for n in range(1, 4)])
        aggregate = store.usage.period_usage("c1", "2025-09").features["api"]
        assert (aggregate.sum, aggregate.max) == (D("1000000000000000.000000002"), D("999999999999999.999999999"))

    def test_many_events_in_one_call_all_count(self, store):
        events = [usage_event(f"e{n}", "0.5", n * MINUTE // 7, feature=f"f{n % 3}") for n in range(250)]
        assert store.usage.record(events).accepted == 250
        usage = store.usage.period_usage("c1", "2025-09")
        assert sum(a.count for a in usage.features.values()) == 250
        assert sum(a.sum for a in usage.features.values()) == D(125)


class TestReads:
    def test_buckets_and_raw_events_cover_their_ranges(self, store):
        store.usage.record(
            [usage_event("a", "1", 1 * MINUTE), usage_event("b", "2", 14 * MINUTE), usage_event("c", "4", 15 * MINUTE)]
        )
        buckets = sorted(store.usage.buckets("c1", 0, 30 * MINUTE))
        assert buckets == [("api", 0, Decimal(3)), ("api", 15 * MINUTE, Decimal(4))]
        assert [e.id for e in store.usage.events("c1", 1 * MINUTE, 15 * MINUTE)] == ["a", "b"]

    def test_raw_events_come_back_oldest_first_with_their_properties(self, store):
        store.usage.record(
            [usage_event("b", "2", 5 * MINUTE, properties={"region": "eu"}), usage_event("a", "1", 2 * MINUTE)]
        )
        events = store.usage.events("c1", 0, 10 * MINUTE)
        assert [(e.id, e.quantity, e.properties) for e in events] == [("a", 1, None), ("b", 2, {"region": "eu"})]

    def test_days_sum_per_local_day(self, store):
        day = 86_400_000_000
        store.usage.record(
            [
                usage_event("a", "1.5", 10 * MINUTE, day="2025-09-01"),
                usage_event("b", "2", day + MINUTE, day="2025-09-02"),
                usage_event("c", "1", day + 2 * MINUTE, day="2025-09-02", feature="seats"),
            ]
        )
        assert sorted(store.usage.days("c1", "2025-09-01", "2025-09-03")) == [
            ("api", "2025-09-01", D("1.5")),
            ("api", "2025-09-02", D(2)),
            ("seats", "2025-09-02", D(1)),
        ]
        assert store.usage.days("c1", "2025-09-02", "2025-09-02") == []

    def test_periods_sum_per_billing_period_without_the_distinct_counters(self, store):
        store.usage.record(
            [
                usage_event("a", "1.5", 1_000, period="2025-08"),
                usage_event("b", "2", 2_000, period="2025-09", properties={"user": "ada"}, distinct=("user",)),
                usage_event("c", "3", 3_000, period="2025-09", properties={"user": "bob"}, distinct=("user",)),
                usage_event("d", "1", 4_000, period="2025-09", feature="seats"),
                usage_event("e", "7", 5_000, period="2025-10"),
            ]
        )
        store.usage.record([usage_event("x", "4", 1_000, customer_id="c2", period="2025-09")])
        assert sorted(store.usage.periods("c1", "2025-08", "2025-10")) == [
            ("api", "2025-08", D("1.5")),
            ("api", "2025-09", D(5)),
            ("seats", "2025-09", D(1)),
        ]
        assert store.usage.periods("c1", "2025-09", "2025-09") == []
        assert store.usage.periods("c2", "2025-01", "2026-01") == [("api", "2025-09", D(4))]
        assert store.usage.periods("c3", "2025-01", "2026-01") == []

    def test_a_customers_usage_is_read_back_per_period_oldest_first(self, store):
        store.usage.record(
            [
                usage_event("e1", "5", 1_759_300_000_000_000, "api_calls", period="2025-10"),
                usage_event("e2", "7", 1_757_000_000_000_000, "api_calls", period="2025-09"),
                usage_event("e3", "2", 1_757_000_000_000_001, "seats", period="2025-09"),
            ]
        )
        history = store.usage.customer_period_usage("c1")
        assert [(usage.period, sorted(usage.features)) for usage in history] == [
            ("2025-09", ["api_calls", "seats"]),
            ("2025-10", ["api_calls"]),
        ]
        assert history[0].features["api_calls"].sum == D(7)
        assert store.usage.customer_period_usage("c2") == []

    def test_several_customers_period_usage_reads_as_each_ones(self, store):
        store.usage.record([usage_event("e1", "5", 1_000), usage_event("e2", "2", 2_000, feature="seats")])
        store.usage.record([usage_event("e1", "3", 1_000, customer_id="c2")])
        store.usage.record([usage_event("e9", "4", 1_000, customer_id="c3", period="2025-10")])
        store.usage.record(
            [usage_event("e2", "1", 2_000, customer_id="c2", properties={"user": "ada"}, distinct=("user",))]
        )
        many = store.usage.period_usage_many(["c2", "c1", "c3", "c4", "c1"], "2025-09")
        assert list(many) == ["c2", "c1", "c3", "c4"]
        for customer_id, usage in many.items():
            assert usage == store.usage.period_usage(customer_id, "2025-09")
        assert sorted(many["c1"].features) == ["api", "seats"]
        assert many["c2"].features["api"].sum == D(4)
        assert many["c2"].distinct_counts == {("api", "user"): 1}
        assert many["c3"].features == {} and many["c4"].features == {}
        assert store.usage.period_usage_many([], "2025-09") == {}


class TestAggregateReads:
    """bucket_aggregates, day_aggregates, period_aggregates: the rows of buckets, days and periods, each with
    its whole aggregate. `latest` is the quantity of the greatest ts; between events of one ts, the last stored."""

    def test_bucket_aggregates_keep_sum_count_max_and_latest_across_batches(self, store):
        store.usage.record([usage_event("a", "5", 2 * MINUTE), usage_event("b", "2", 9 * MINUTE)])
        store.usage.record([usage_event("c", "1", 4 * MINUTE), usage_event("d", "7", 16 * MINUTE)])
        store.usage.record([usage_event("tie", "3", 9 * MINUTE)])  # same ts as b, stored after it
        assert sorted(store.usage.bucket_aggregates("c1", 0, 30 * MINUTE)) == [
            ("api", 0, UsageAggregate(D(11), 4, D(5), 9 * MINUTE, D(3))),
            ("api", 15 * MINUTE, UsageAggregate(D(7), 1, D(7), 16 * MINUTE, D(7))),
        ]
        assert store.usage.bucket_aggregates("c1", 0, 15 * MINUTE) == [
            ("api", 0, UsageAggregate(D(11), 4, D(5), 9 * MINUTE, D(3)))
        ]
        assert store.usage.bucket_aggregates("c2", 0, 30 * MINUTE) == []

    def test_day_aggregates_keep_the_latest_by_timestamp_not_by_arrival(self, store):
        day = 86_400_000_000
        store.usage.record(
            [
                usage_event("late", "2", day + 20 * MINUTE, day="2025-09-02"),
                usage_event("seat", "4", day + 30 * MINUTE, day="2025-09-02", feature="seats"),
                usage_event("first", "1.5", 10 * MINUTE, day="2025-09-01"),
            ]
        )
        store.usage.record([usage_event("early", "9", day + MINUTE, day="2025-09-02")])  # sent last, earliest ts
        assert sorted(store.usage.day_aggregates("c1", "2025-09-01", "2025-09-03")) == [
            ("api", "2025-09-01", UsageAggregate(D("1.5"), 1, D("1.5"), 10 * MINUTE, D("1.5"))),
            ("api", "2025-09-02", UsageAggregate(D(11), 2, D(9), day + 20 * MINUTE, D(2))),
            ("seats", "2025-09-02", UsageAggregate(D(4), 1, D(4), day + 30 * MINUTE, D(4))),
        ]
        assert store.usage.day_aggregates("c1", "2025-09-02", "2025-09-02") == []

    def test_period_aggregates_leave_out_the_distinct_counters(self, store):
        store.usage.record(
            [
                usage_event("a", "1.5", 1_000, period="2025-08"),
                usage_event("b", "2", 2_000, period="2025-09", properties={"user": "ada"}, distinct=("user",)),
                usage_event("c", "3", 3_000, period="2025-09", properties={"user": "bob"}, distinct=("user",)),
                usage_event("e", "7", 5_000, period="2025-10"),
            ]
        )
        store.usage.record([usage_event("x", "4", 1_000, customer_id="c2", period="2025-09")])
        assert sorted(store.usage.period_aggregates("c1", "2025-08", "2025-10")) == [
            ("api", "2025-08", UsageAggregate(D("1.5"), 1, D("1.5"), 1_000, D("1.5"))),
            ("api", "2025-09", UsageAggregate(D(5), 2, D(3), 3_000, D(3))),
        ]
        assert store.usage.period_aggregates("c1", "2025-09", "2025-09") == []
        assert store.usage.period_aggregates("c2", "2025-01", "2026-01") == [
            ("api", "2025-09", UsageAggregate(D(4), 1, D(4), 1_000, D(4)))
        ]

    def test_aggregate_rows_are_the_sum_rows_with_more_in_them(self, store):
        events = [
            usage_event(f"e{n}", f"{n % 5}.25", n * 7 * MINUTE, feature=f"f{n % 2}", period=f"2025-0{8 + n // 200}")
            for n in range(400)
        ]
        store.usage.record(events)
        end = 400 * 7 * MINUTE

        def sums(rows):
            return sorted((feature, at, aggregate.sum) for feature, at, aggregate in rows)

        assert sums(store.usage.bucket_aggregates("c1", 0, end)) == sorted(store.usage.buckets("c1", 0, end))
        days = ("1970-01-01", "1970-01-31")
        assert sums(store.usage.day_aggregates("c1", *days)) == sorted(store.usage.days("c1", *days))
        periods = ("2025-08", "2025-10")
        assert sums(store.usage.period_aggregates("c1", *periods)) == sorted(store.usage.periods("c1", *periods))
        assert sum(aggregate.count for _, _, aggregate in store.usage.bucket_aggregates("c1", 0, end)) == 400


class TestDistinctValues:
    def test_distinct_values_of_tracked_properties_are_counted_per_period_and_feature(self, store):
        def seen(event_id, user, ts, period="2025-09", feature="api"):
            return usage_event(
                event_id, "1", ts, feature=feature, period=period, properties={"user": user}, distinct=("user",)
            )

        store.usage.record([seen("e1", "ada", 1), seen("e2", "bob", 2), seen("e3", "ada", 3)])
        store.usage.record([seen("e4", "ada", 4), seen("e5", "cy", 5)])
        store.usage.record([seen("e5", "zed", 6)])  # a duplicate event counts no new value
        store.usage.record([seen("e6", "ada", 7, period="2025-10"), seen("e7", "dan", 8, feature="other")])
        store.usage.record([usage_event("e8", "1", 9, properties={"user": "untracked"})])
        assert store.usage.period_usage("c1", "2025-09").distinct_counts == {("api", "user"): 3, ("other", "user"): 1}
        assert store.usage.period_usage("c1", "2025-10").distinct_counts == {("api", "user"): 1}
        history = {usage.period: usage.distinct_counts for usage in store.usage.customer_period_usage("c1")}
        assert history["2025-09"][("api", "user")] == 3


def _user(event_id: str, user: str | None, ts: int, *, tracked: bool = True, feature: str = "api"):
    """An event of `feature` carrying `user` (None: no property), checked for it at ingest when `tracked`."""
    properties = None if user is None else {"user": user}
    return usage_event(event_id, "1", ts, feature=feature, properties=properties, distinct=("user",) if tracked else ())


class TestDistinctCoverage:
    def test_coverage_counts_the_events_checked_for_the_property_whether_they_carry_it_or_not(self, store):
        store.usage.record([_user("e1", "ada", 1), _user("e2", None, 2), _user("e3", "ada", 3)])
        store.usage.record([_user("e3", "bob", 4), _user("e4", "cy", 5, tracked=False)])  # a duplicate, an unchecked
        usage = store.usage.period_usage("c1", "2025-09")
        assert usage.features["api"].count == 4
        assert (usage.coverage, usage.distinct_counts) == ({("api", "user"): 3}, {("api", "user"): 1})
        assert usage.exact_distinct_count("api", "user") is None  # e4 was not checked: "cy" is not counted

    def test_a_period_whose_every_event_was_checked_has_an_exact_distinct_count(self, store):
        store.usage.record([_user("e1", "ada", 1), _user("e2", None, 2), _user("e3", "bob", 3)])
        store.usage.record([_user("e4", "ada", 4), _user("o1", "dan", 5, feature="other")])
        usage = store.usage.period_usage("c1", "2025-09")
        assert usage.exact_distinct_count("api", "user") == 2
        assert usage.exact_distinct_count("other", "user") == 1
        assert usage.exact_distinct_count("api", "region") is None  # never tracked: nothing was checked

    def test_cover_distinct_stores_the_missing_values_and_the_coverage(self, store):
        # 8 events of 4 users before the property was tracked, then 2 events of 2 new users after
        store.usage.record([_user(f"e{n}", f"u{n % 4}", n, tracked=False) for n in range(8)])
        store.usage.record([_user("e8", "u4", 8), _user("e9", "u5", 9)])
        before = store.usage.period_usage("c1", "2025-09")
        assert before.exact_distinct_count("api", "user") is None

        values = {f"u{n}" for n in range(6)}
        assert store.usage.cover_distinct("c1", "2025-09", "api", "user", values, events=10) is True

        usage = store.usage.period_usage("c1", "2025-09")
        assert (usage.coverage, usage.distinct_counts) == ({("api", "user"): 10}, {("api", "user"): 6})
        assert usage.exact_distinct_count("api", "user") == 6
        assert store.usage.period_usage_many(["c1"], "2025-09")["c1"] == usage
        assert store.usage.customer_period_usage("c1") == [usage]
        assert usage.features == before.features  # the rollups themselves are untouched

        # checked at ingest from now on: the count stays exact, each value once
        store.usage.record([_user("e10", "u0", 10), _user("e11", "u6", 11), _user("e12", None, 12)])
        assert store.usage.period_usage("c1", "2025-09").exact_distinct_count("api", "user") == 7

    def test_cover_distinct_is_refused_when_an_event_arrived_after_the_read(self, store):
        store.usage.record([_user("e1", "ada", 1, tracked=False), _user("e2", "bob", 2)])
        read = store.usage.period_usage("c1", "2025-09")
        assert read.features["api"].count == 2

        store.usage.record([_user("e3", "cy", 3, tracked=False)])  # between the read and cover_distinct

        assert store.usage.cover_distinct("c1", "2025-09", "api", "user", {"ada", "bob"}, events=2) is False
        usage = store.usage.period_usage("c1", "2025-09")
        assert usage.coverage == {("api", "user"): 1}
        assert usage.exact_distinct_count("api", "user") is None  # nothing claims a coverage of 2 of 3 events
        assert store.usage.cover_distinct("c1", "2025-09", "api", "user", {"ada", "bob", "cy"}, events=3) is True
        assert store.usage.period_usage("c1", "2025-09").exact_distinct_count("api", "user") == 3

    def test_an_event_checked_at_ingest_after_the_read_refuses_the_coverage_too(self, store):
        store.usage.record([_user("e1", "ada", 1, tracked=False)])
        store.usage.record([_user("e2", "bob", 2)])  # checked, but the count moved from 1 to 2
        assert store.usage.cover_distinct("c1", "2025-09", "api", "user", {"ada"}, events=1) is False
        usage = store.usage.period_usage("c1", "2025-09")
        assert usage.coverage == {("api", "user"): 1}
        assert usage.exact_distinct_count("api", "user") is None

    def test_cover_distinct_of_a_period_or_feature_without_events_is_refused(self, store):
        assert store.usage.cover_distinct("c1", "2025-09", "api", "user", set(), events=0) is False
        store.usage.record([_user("e1", "ada", 1, tracked=False)])
        assert store.usage.cover_distinct("c1", "2025-09", "seats", "user", {"ada"}, events=1) is False
        assert store.usage.cover_distinct("c1", "2025-10", "api", "user", {"ada"}, events=1) is False
        assert store.usage.period_usage("c1", "2025-09").coverage == {}

    def test_each_property_has_its_own_coverage(self, store):
        def event(event_id, user, team, ts, distinct):
            return usage_event(event_id, "1", ts, properties={"user": user, "team": team}, distinct=distinct)

        store.usage.record([event("e1", "ada", "red", 1, ()), event("e2", "bob", "red", 2, ("user",))])
        assert store.usage.cover_distinct("c1", "2025-09", "api", "team", ["red", "red"], events=2) is True
        store.usage.record([event("e3", "cy", "blue", 3, ("team",))])  # the user is not checked

        usage = store.usage.period_usage("c1", "2025-09")
        assert usage.coverage == {("api", "user"): 1, ("api", "team"): 3}
        assert (usage.exact_distinct_count("api", "team"), usage.exact_distinct_count("api", "user")) == (2, None)
        assert store.usage.cover_distinct("c1", "2025-09", "api", "user", {"ada", "bob", "cy"}, events=3) is True
        usage = store.usage.period_usage("c1", "2025-09")
        assert (usage.exact_distinct_count("api", "team"), usage.exact_distinct_count("api", "user")) == (2, 3)

    def test_a_value_stored_at_ingest_and_again_by_cover_distinct_counts_once(self, store):
        store.usage.record([_user(f"e{n}", f"u{n}", n, tracked=n % 2 == 0) for n in range(6)])  # u0, u2, u4 stored
        usage = store.usage.period_usage("c1", "2025-09")
        assert (usage.distinct_counts, usage.coverage) == ({("api", "user"): 3}, {("api", "user"): 3})
        assert store.usage.cover_distinct("c1", "2025-09", "api", "user", [f"u{n}" for n in range(6)], events=6)
        assert store.usage.period_usage("c1", "2025-09").exact_distinct_count("api", "user") == 6

    def test_hundreds_of_values_are_covered_at_once(self, store):
        store.usage.record([_user(f"e{n}", f"user-{n}", n * MINUTE, tracked=False) for n in range(230)])
        store.usage.record([_user("late", "user-0", 231 * MINUTE)])
        values = {f"user-{n}" for n in range(230)}
        assert store.usage.cover_distinct("c1", "2025-09", "api", "user", values, events=231) is True
        assert store.usage.period_usage("c1", "2025-09").exact_distinct_count("api", "user") == 230
