"""The entrypoint moves what a container keeps for life out of the garbage collector's generations."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from billing.http.app import settle_after_first_call


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_what_the_first_call_built_is_frozen_before_the_second_and_never_again() -> None:
    kept: list[list[list[int]]] = []

    def handler(event: dict, context: object) -> dict:
        kept.append([[n] for n in range(5_000)])  # 5,000 GC-tracked lists, like services built on first use
        return {"statusCode": 200}

    settled = settle_after_first_call(handler)
    assert settled({}, None) == {"statusCode": 200}
    assert gc.get_freeze_count() == 0

    settled({}, None)
    after_second_call = gc.get_freeze_count()
    assert after_second_call >= 5_000

    settled({}, None)  # a request's own objects stay collectable
    assert gc.get_freeze_count() == after_second_call


def test_garbage_the_first_call_left_is_collected_not_frozen() -> None:
    """A connection dropped in a reference cycle (an exception's traceback) must still be closed."""
    closed: list[bool] = []

    class Connection:
        def __init__(self) -> None:
            self.cycle = self

        def __del__(self) -> None:
            closed.append(True)

    def handler(event: dict, context: object) -> dict:
        if not closed:
            Connection()  # garbage at once, but only the collector can free a cycle
            raise RuntimeError("storage unavailable")
        return {"statusCode": 200}

    gc.disable()  # no collection may happen on its own between the two calls
    try:
        settled = settle_after_first_call(handler)
        with pytest.raises(RuntimeError):
            settled({}, None)
        assert closed == []
        assert settled({}, None) == {"statusCode": 200}
        assert closed == [True]
        assert gc.get_freeze_count() > 0
    finally:
        gc.enable()
