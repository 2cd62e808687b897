"""Make moto's DynamoDB cost what a request touches, not what the table holds.

Queries: moto answers a Query on the table's own key by sorting every item of the table and keeping one
partition's; patched, it reads that partition only (the result is sorted by range key afterwards anyway).

Transactions: moto backs up every table a transaction touches with a deep copy (once per item of the
transaction) so that it can roll a cancelled one back: each transaction costs time and memory proportional to
the whole table (a resent batch of 100 stored events took 8.3 s with 1,000 events stored, 503 with 5,000, and
the server grew to 13 GB under 8 writers). With `install()`, moto runs every transaction without those copies;
instead the items it names are copied first (one per action, what DynamoDB itself locks), and if moto cancels
or refuses the transaction, whatever of it moto had already applied (it applies the actions whose conditions
hold before it looks at the others' reasons) is put back from those copies. Cancellation reasons and errors
stay moto's own.

Client request tokens: moto ignores TransactWriteItems' ClientRequestToken; DynamoDB answers a transaction
resent with the token of one it applied in the last 10 minutes as applied, changing nothing (how botocore's
resend of a reply that timed out stays harmless), and refuses the token with other items
(IdempotentParameterMismatchException). Patched, moto does the same.

Requests must be serialized (the emulator's server and the tests' in-process mock do), as
moto's DynamoDB has no locks anyway.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from typing import Any

_installed = threading.Lock()


def install() -> None:
    """Patch moto's DynamoDB backend once per process (idempotent)."""
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    with _installed:
        _install_partition_queries(Table)
        _install_client_request_tokens()
        original = models.DynamoDBBackend.transact_write_items
        if getattr(original, "without_table_backups", False):
            return

        class _NoTableBackups:
            """Stands in for the `copy` module inside moto's backend while a transaction runs: its "backup" of a
            table is the table itself, so moto's own rollback (putting the backups back) changes nothing."""

            @staticmethod
            def deepcopy(value: Any, memo: Any = None) -> Any:
                return value if isinstance(value, Table) else copy.deepcopy(value, memo)

        def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
            before = _before_images(self, transact_items)
            if before is None:  # malformed (moto refuses it): its own path, whole-table backups and all
                return original(self, transact_items)
            models.copy = _NoTableBackups  # type: ignore[assignment]
            try:
                return original(self, transact_items)
            except BaseException:
                _put_back(before)
                raise
            finally:
                models.copy = copy

        transact_write_items.without_table_backups = True  # type: ignore[attr-defined]
        models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


_BeforeImage = tuple[Any, Any, Any, Any]  # (table, hash key, range key or None, a copy of the item or None)


def _before_images(backend: Any, transact_items: list[dict[str, Any]]) -> list[_BeforeImage] | None:
    """A copy of every item the transaction may write, as it is now; None when the request is not one moto
    would run (over 100 actions, an action that is not exactly one known operation, a missing table or key)."""
    if len(transact_items) > 100:
        return None
    images: list[_BeforeImage] = []
    for entry in transact_items:
        if len(entry) != 1:
            return None
        ((op_type, op),) = entry.items()
        if op_type == "ConditionCheck":
            continue  # writes nothing
        table = backend.tables.get(op.get("TableName"))
        source = op.get("Item") if op_type == "Put" else op.get("Key")
        if op_type not in {"Put", "Delete", "Update"} or table is None or not isinstance(source, dict):
            return None
        if table.hash_key_attr not in source or (table.range_key_attr and table.range_key_attr not in source):
            return None
        hash_key, range_key = backend.get_keys_value(table, source)
        images.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    return images


def _put_back(images: list[_BeforeImage]) -> None:
    """Every item as it was before the transaction (straight into the table's dictionary: no stream records)."""
    for table, hash_key, range_key, item in reversed(images):
        if range_key is None:
            if item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item
            continue
        partition = table.items.get(hash_key)
        if item is not None:
            table.items[hash_key][range_key] = item
        elif partition is not None:
            partition.pop(range_key, None)
            if not partition:
                del table.items[hash_key]


def _install_partition_queries(table_class: Any) -> None:
    original = table_class.query
    if getattr(original, "partition_only", False):
        return

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name is not None or hash_key is None or not self.range_key_attr:
            return original(self, hash_key, *args, **kwargs)
        partition = list((self.items.get(hash_key) or {}).values())
        self.all_items = lambda: partition  # shadows the method for this one call
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    query.partition_only = True  # type: ignore[attr-defined]
    table_class.query = query


TOKEN_LIFETIME_S = 600  # DynamoDB: "valid for 10 minutes after the first request that uses it completes"


def _install_client_request_tokens() -> None:
    from moto.dynamodb import responses
    from moto.dynamodb.exceptions import DynamodbException

    original = responses.DynamoHandler.transact_write_items
    if getattr(original, "honours_tokens", False):
        return
    applied: dict[str, tuple[float, str, Any]] = {}  # token → (when, the items' JSON, the reply)

    class IdempotentParameterMismatch(DynamodbException):
        def __init__(self) -> None:
            super().__init__(
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical request.",
            )

    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        items = json.dumps(self.body["TransactItems"], sort_keys=True)
        now = time.monotonic()
        for stale in [key for key, (when, _, _) in applied.items() if now - when > TOKEN_LIFETIME_S]:
            del applied[stale]
        if token in applied:
            _, first_items, reply = applied[token]
            if first_items != items:
                raise IdempotentParameterMismatch()
            return reply
        reply = original(self)
        applied[token] = (now, items, reply)
        return reply

    transact_write_items.honours_tokens = True  # type: ignore[attr-defined]
    responses.DynamoHandler.transact_write_items = transact_write_items  # type: ignore[method-assign]
