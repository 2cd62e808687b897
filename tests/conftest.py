"""Fixtures shared by every test folder: real SQLite files, services with a frozen clock, a Lambda context."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from billing import bootstrap
from billing.adapters.sqlite import SqliteStorage
from billing.bootstrap import Services, build_services

FROZEN_NOW = datetime(2025, 10, 2, 9, 30, tzinfo=UTC)


class FrozenClock:
    """A clock tests can move: `clock.now = ...`."""

    def __init__(self, now: datetime = FROZEN_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def storage(tmp_path) -> Iterator[SqliteStorage]:
    store = SqliteStorage(tmp_path / "data" / "billing.db")
    yield store
    store.close()


@pytest.fixture
def services(storage, clock) -> Services:
    return build_services(storage, clock=clock)


@pytest.fixture
def injected_services(services) -> Iterator[Services]:
    """Handlers called directly use these services instead of the environment's."""
    bootstrap.use(services)
    yield services
    bootstrap.use(None)


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2025/10/02/[$LATEST]test"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture(autouse=True)
def _quiet_powertools(monkeypatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
