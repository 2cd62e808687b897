"""Powertools' idempotency utility over each backend's store (bootstrap.idempotency_store_for): the SQLite
file's idempotency_records table, and DynamoDBPersistenceLayer on the single table (moto)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from billing.bootstrap import IDEMPOTENCY_PARTITION, IDEMPOTENCY_TTL_ATTRIBUTE, idempotency_store_for

from tests.conftest import LambdaContext


class Recorder:
    """An idempotent function over `store` that counts its real runs."""

    def __init__(self, store: Any) -> None:
        self.persistence = idempotency_store_for(store)
        self.runs = 0
        config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="request")
        config.register_lambda_context(LambdaContext())  # in-progress locks end with the invocation's timeout
        self.config = config

        def create(request: dict[str, Any]) -> dict[str, Any]:
            self.runs += 1
            if request["request"].get("fail"):
                raise RuntimeError("the route failed")
            if request["request"].get("reenter"):
                return self.call(request=request)  # the same key while the first run is in progress
            return {"status_code": 201, "body": f"created #{self.runs}"}

        self.call = idempotent_function(
            create, data_keyword_argument="request", persistence_store=self.persistence, config=config, key_prefix="t"
        )

    def __call__(self, key: str, **request: Any) -> dict[str, Any]:
        return self.call(request={"key": key, "request": request})


@pytest.fixture
def recorder(store) -> Recorder:
    return Recorder(store)


def test_a_retry_with_the_same_key_and_payload_returns_the_first_result_without_running(recorder):
    first = recorder("k1", body={"name": "Acme"})
    assert recorder("k1", body={"name": "Acme"}) == first == {"status_code": 201, "body": "created #1"}
    assert recorder.runs == 1


def test_another_key_runs_again(recorder):
    recorder("k1", body={"name": "Acme"})
    assert recorder("k2", body={"name": "Acme"})["body"] == "created #2"


def test_the_same_key_with_another_payload_is_refused_and_runs_nothing(recorder):
    recorder("k1", body={"name": "Acme"})
    with pytest.raises(IdempotencyValidationError):
        recorder("k1", body={"name": "Other"})
    assert recorder.runs == 1


def test_a_failed_run_leaves_no_record_so_its_retry_runs(recorder):
    with pytest.raises(RuntimeError):
        recorder("k1", fail=True)
    with pytest.raises(RuntimeError):
        recorder("k1", fail=True)
    assert recorder.runs == 2


def test_a_request_arriving_while_the_first_is_in_progress_is_refused(recorder):
    with pytest.raises(IdempotencyAlreadyInProgressError):
        recorder("k1", reenter=True)


def test_an_in_progress_record_whose_request_timed_out_is_taken_over(recorder):
    recorder("k1", body={})  # configures the store, then make k2 look like a crashed request's lock
    key = recorder.persistence._get_hashed_idempotency_key({"key": "k2"})
    payload_hash = recorder.persistence._get_hashed_payload({"request": {"body": {}}})
    stale = DataRecord(key, status="INPROGRESS", expiry_timestamp=int(time.time()) + 3600, payload_hash=payload_hash)
    stale.in_progress_expiry_timestamp = int(time.time() * 1000) - 1
    recorder.persistence._put_record(stale)
    assert recorder("k2", body={})["body"] == "created #2"


def test_an_expired_record_is_replaced(recorder):
    recorder("k1", body={})
    key = recorder.persistence._get_hashed_idempotency_key({"key": "k3"})
    expired = DataRecord(key, status="COMPLETED", expiry_timestamp=int(time.time()) - 1, response_data='{"old": 1}')
    recorder.persistence._put_record(expired)
    assert recorder("k3", body={})["body"] == "created #2"


def test_dynamodb_records_live_in_the_idempotency_partition_with_a_ttl(dynamo_store):
    recorder = Recorder(dynamo_store)
    recorder("k1", body={"name": "Acme"})
    items = dynamo_store.table.client.query(
        TableName=dynamo_store.table.name,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": IDEMPOTENCY_PARTITION}},
    )["Items"]
    assert len(items) == 1
    (item,) = items
    assert item["SK"]["S"].startswith("t#") and item["status"]["S"] == "COMPLETED"
    assert int(item[IDEMPOTENCY_TTL_ATTRIBUTE]["N"]) > time.time()
