"""What only the DynamoDB adapter has to get right: DynamoDB's limits (38 significant digits, 100 items per
transaction), the cancellation-reasons path, the requests and units it spends, its settings and errors."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from billing.adapters.dynamodb import DynamoStorage
from billing.adapters.dynamodb.table.capacity import item_size
from billing.bootstrap import Settings, SettingsError, open_storage
from billing.domain.customers import Customer
from billing.domain.errors import InvalidInput, StorageUnavailable
from billing.domain.time import local_day_of
from billing.domain.usage import UsageEvent

NOW = datetime(2025, 10, 2, tzinfo=UTC)
SEPT = 1_756_684_800_000_000  # 2025-09-01T00:00:00Z in µs
MINUTE = 60_000_000


def event(event_id: str, quantity: str = "1", ts: int = SEPT, feature: str = "api", **properties: str) -> UsageEvent:
    return UsageEvent(
        "c1",
        event_id,
        feature,
        Decimal(quantity),
        ts,
        "2025-09",
        properties or None,
        day=local_day_of(ts, "UTC"),
        distinct=tuple(properties),
    )


def customer(customer_id: str = "c1") -> Customer:
    return Customer(id=customer_id, name="Acme", email=f"{customer_id}@example.com", timezone="UTC", created_at=NOW)


class TestNumbers:
    def test_a_quantity_beyond_38_significant_digits_is_refused_before_anything_is_written(self, dynamo_store):
        too_precise = "1." + "1" * 38  # 39 significant digits: moto would store it, DynamoDB would not
        with pytest.raises(InvalidInput) as refused:
            dynamo_store.usage.record([event("ok", "1"), event("bad", too_precise)])
        assert refused.value.field == "quantity"
        assert dynamo_store.usage.period_usage("c1", "2025-09").features == {}
        assert dynamo_store.usage.events("c1", SEPT, SEPT + MINUTE) == []

    def test_38_significant_digits_are_kept_exactly(self, dynamo_store):
        exact = "1234567890.1234567890123456789012345678"  # 38 digits
        dynamo_store.usage.record([event("e1", exact)])
        usage = dynamo_store.usage.period_usage("c1", "2025-09").features["api"]
        assert usage.sum == Decimal(exact) and usage.max == Decimal(exact)
        assert dynamo_store.usage.events("c1", SEPT, SEPT + 1)[0].quantity == Decimal(exact)

    def test_a_total_that_would_need_more_than_38_digits_is_refused(self, dynamo_store):
        dynamo_store.usage.record([event("big", "1" + "0" * 30)])
        with pytest.raises(InvalidInput) as refused:
            dynamo_store.usage.record([event("tiny", "0.000000001", ts=SEPT + MINUTE)])
        assert refused.value.field == "quantity"
        assert dynamo_store.usage.period_usage("c1", "2025-09").features["api"].count == 1


class TestTransactions:
    def test_more_than_100_events_with_duplicates_inside_are_each_counted_once(self, dynamo_store):
        first = [event(f"e{i}", "2", SEPT + i * MINUTE, region=f"r{i % 7}") for i in range(105)]
        assert dynamo_store.usage.record(first).accepted == 105
        dynamo_store.capacity.reset()

        # 21 stored already, scattered through 150 events: chunks hit the 100-item limit and the duplicates
        # come back as cancellation reasons, chunk after chunk.
        retried = [event(f"e{i}", "2", SEPT + i * MINUTE, region=f"r{i % 7}") for i in range(0, 150, 5)]
        fresh = [event(f"n{i}", "3", SEPT + i * MINUTE, region=f"s{i % 3}") for i in range(120)]
        batch = [item for pair in zip(fresh, retried, strict=False) for item in pair] + fresh[len(retried) :]
        result = dynamo_store.usage.record(batch)

        expected = [not (e.id.startswith("e") and int(e.id[1:]) < 105) for e in batch]
        assert list(result.stored) == expected
        usage = dynamo_store.usage.period_usage("c1", "2025-09")
        stored_e = 105 + sum(1 for e in retried if int(e.id[1:]) >= 105)
        assert usage.features["api"].count == stored_e + 120
        assert usage.features["api"].sum == Decimal(2 * stored_e + 3 * 120)
        assert usage.distinct_counts[("api", "region")] == 7 + 3
        requests = dynamo_store.capacity.snapshot()["requests"]
        assert requests["TransactWriteItems"] >= 3  # > 100 items: several transactions, some cancelled

    def test_a_retried_batch_reports_stored_events_as_duplicates_without_moving_rollups(self, dynamo_store):
        batch = [event(f"e{i}", "1.5", SEPT + i * MINUTE) for i in range(40)]
        dynamo_store.usage.record(batch)
        before = dynamo_store.usage.period_usage("c1", "2025-09")
        again = dynamo_store.usage.record(batch)
        assert again.accepted == 0 and again.duplicates == 40
        assert dynamo_store.usage.period_usage("c1", "2025-09") == before

    def test_distinct_values_seen_before_do_not_cancel_the_transaction(self, dynamo_store):
        dynamo_store.usage.record([event("a", region="eu"), event("b", region="us")])
        dynamo_store.capacity.reset()
        dynamo_store.usage.record([event("c", region="eu"), event("d", region="ap")])
        assert dynamo_store.capacity.snapshot()["requests"]["TransactWriteItems"] == 1
        assert dynamo_store.usage.period_usage("c1", "2025-09").distinct_counts == {("api", "region"): 3}


class TestRequestCounts:
    def test_one_event_is_one_read_of_its_rollups_and_one_transaction(self, dynamo_store):
        dynamo_store.usage.record([event("e1", "1")])
        figures = dynamo_store.capacity.snapshot()
        assert figures["requests"] == {"BatchGetItem": 1, "TransactWriteItems": 1}
        # event (1 KB, transactional ×2, + its EventsByTime index entry) + 3 rollup rows (×2)
        assert figures["write_units"] == 2 + 1 + 3 * 2
        assert figures["read_units"] == 3  # three absent rollup rows, strongly consistent
        assert figures["reported"] > 0  # moto returns ConsumedCapacity too (its own simplified count)

    def test_a_usage_read_is_one_query(self, dynamo_store):
        dynamo_store.usage.record([event(f"e{i}", "1", SEPT + i * MINUTE) for i in range(10)])
        dynamo_store.capacity.reset()
        dynamo_store.usage.period_usage("c1", "2025-09")
        dynamo_store.usage.days("c1", "2025-09-01", "2025-10-01")
        assert dynamo_store.capacity.snapshot()["requests"] == {"Query": 2}

    def test_item_sizes_follow_the_documented_rules(self):
        assert item_size({"PK": {"S": "abc"}}) == 2 + 3
        assert item_size({"n": {"N": "12345"}}) == 1 + 4  # ceil(5 / 2) + 1


class TestDistinctCoverage:
    def test_checking_a_property_at_ingest_writes_no_item_but_its_new_values(self, dynamo_store):
        untracked = UsageEvent("c1", "u", "api", Decimal(1), SEPT, "2025-09", day=local_day_of(SEPT, "UTC"))
        dynamo_store.usage.record([untracked])
        plain = dynamo_store.capacity.snapshot()
        assert plain["write_units"] == 9
        dynamo_store.capacity.reset()
        checked = UsageEvent(  # checked for `region` without carrying it: the period row counts it
            "c1", "t", "api", Decimal(1), SEPT + 20 * MINUTE, "2025-09", day="2025-09-01", distinct=("region",)
        )
        dynamo_store.usage.record([checked])
        assert dynamo_store.capacity.snapshot()["requests"] == plain["requests"]
        assert dynamo_store.capacity.snapshot()["write_units"] == plain["write_units"]
        dynamo_store.capacity.reset()
        dynamo_store.usage.record([event("v", ts=SEPT + 40 * MINUTE, region="eu")])  # a new value: its marker
        assert dynamo_store.capacity.snapshot()["write_units"] == plain["write_units"] + 2
        usage = dynamo_store.usage.period_usage("c1", "2025-09")
        assert (usage.coverage, usage.distinct_counts) == ({("api", "region"): 2}, {("api", "region"): 1})

    def test_covering_hundreds_of_values_takes_a_transaction_per_100_items(self, dynamo_store):
        dynamo_store.usage.record([event(f"e{n}", ts=SEPT + n, region=f"r{n}") for n in range(30)])
        dynamo_store.usage.record(
            [
                UsageEvent(
                    "c1", f"x{n}", "api", Decimal(1), SEPT + 100 + n, "2025-09", {"region": f"r{n}"}, "2025-09-01"
                )
                for n in range(230)
            ]
        )
        dynamo_store.capacity.reset()
        covered = dynamo_store.usage.cover_distinct(
            "c1", "2025-09", "api", "region", {f"r{n}" for n in range(230)}, events=260
        )
        assert covered is True
        # the row read, the 230 markers looked up, then 201 items: the 200 missing markers and the row
        figures = dynamo_store.capacity.snapshot()
        assert figures["requests"] == {"GetItem": 1, "BatchGetItem": 3, "TransactWriteItems": 3}
        # 1 RU per value looked up (found or not) and for the row; 2 WU per marker put and for the row
        assert (figures["read_units"], figures["write_units"]) == (1 + 230, 2 * 200 + 2)
        assert dynamo_store.usage.period_usage("c1", "2025-09").exact_distinct_count("api", "region") == 230

    def test_a_distinct_counter_of_the_adapter_before_coverage_is_not_read(self, dynamo_store):
        dynamo_store.usage.record([event("e1", region="eu")])
        legacy = {  # what the adapter wrote before coverage: a count of markers, not known to be whole
            "PK": {"S": "USAGE#c1"},
            "SK": {"S": 'P#2025-09#U#["api","region"]'},
            "feature": {"S": "api"},
            "property": {"S": "region"},
            "period": {"S": "2025-09"},
            "distinct": {"N": "5"},
        }
        dynamo_store.table.client.put_item(TableName=dynamo_store.table.name, Item=legacy)
        usage = dynamo_store.usage.period_usage("c1", "2025-09")
        assert (usage.distinct_counts, usage.coverage) == ({("api", "region"): 1}, {("api", "region"): 1})
        assert dynamo_store.usage.periods("c1", "2025-09", "2025-10") == [("api", "2025-09", Decimal(1))]
        assert [u.period for u in dynamo_store.usage.customer_period_usage("c1")] == ["2025-09"]


class TestSettings:
    def test_dynamodb_needs_a_table_name(self):
        with pytest.raises(SettingsError, match="TABLE_NAME"):
            Settings.from_env({"STORAGE_BACKEND": "dynamodb"})

    def test_the_environment_selects_the_dynamodb_adapter(self, dynamodb_client, table_arguments, monkeypatch):
        from tests.integration.dynamo import REGION, create_table

        monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)  # what Lambda's AWS_REGION gives

        name = create_table(dynamodb_client, table_arguments)
        settings = Settings.from_env({"STORAGE_BACKEND": "dynamodb", "TABLE_NAME": name})
        storage = open_storage(settings)
        assert isinstance(storage, DynamoStorage) and storage.table.name == name
        storage.check()

    def test_sqlite_deployments_never_import_boto3(self, tmp_path):
        script = (
            "import sys; from billing.bootstrap import Settings, open_storage; "
            f"open_storage(Settings(billing_db_path={str(tmp_path / 'b.db')!r})); "
            "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'boto3 imported'"
        )
        subprocess.run([sys.executable, "-c", script], check=True, env={"PYTHONPATH": "shared"}, timeout=60)


class TestErrors:
    def test_a_missing_table_is_storage_unavailable(self, dynamodb_client):
        storage = DynamoStorage("no-such-table", region="eu-west-1")
        with pytest.raises(StorageUnavailable):
            storage.check()
        with pytest.raises(StorageUnavailable):
            storage.customers.add(customer())

    def test_an_unreachable_endpoint_is_storage_unavailable(self):
        # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        storage = DynamoStorage("t", endpoint_url="http://127.0.0.1:9", region="eu-west-1", max_attempts=1)
        with pytest.raises(StorageUnavailable):
            storage.check()

    def test_a_cursor_from_elsewhere_is_invalid_input(self, dynamo_store):
        from billing.domain.paging import encode_cursor

        with pytest.raises(InvalidInput) as refused:
            dynamo_store.customers.list(limit=5, cursor=encode_cursor({"Other": ["S", "x"]}))
        assert refused.value.field == "cursor"
