"""The storage port's contract suite runs against every adapter: the `store` fixture is parametrized over them."""

from __future__ import annotations

import pytest
from billing.adapters.sqlite import SqliteStorage


@pytest.fixture(params=["sqlite"])
def store(request, tmp_path):
    adapter = SqliteStorage(tmp_path / "nested" / "folder" / "billing.db")
    yield adapter
    adapter.close()
