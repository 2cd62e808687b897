"""Make moto's DynamoDB cost what a request touches, not what the table holds.

Queries: moto answers a Query on the table's own key by sorting every item of the table and keeping one
partition's; patched, it reads that partition only (the result is sorted by range key afterwards anyway).

Transactions:
moto backs up every table a transaction touches with a deep copy (once per item of the transaction) so it can
roll back a cancelled one: each transaction costs time proportional to the whole table, and a billing run of
1,000 customers on a table of a few thousand items takes minutes. With `install()`, a transaction whose
conditions all hold (checked first, against the state before it, as DynamoDB does) runs without the backup;
one whose conditions fail takes moto's own path, so cancellation reasons are moto's. Requests must be
serialized (the emulator's server and the tests' in-process mock do), as moto's DynamoDB has no locks anyway.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_installed = threading.Lock()


def install() -> None:
    """Patch moto's DynamoDB backend once per process (idempotent)."""
    from moto.dynamodb import models
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.models.table import Table

    with _installed:
        _install_partition_queries(Table)
        original = models.DynamoDBBackend.transact_write_items
        if getattr(original, "without_table_backups", False):
            return

        class _NoTableBackups:
            """Stands in for the `copy` module inside moto's backend while a transaction runs."""

            @staticmethod
            def deepcopy(value: Any, memo: Any = None) -> Any:
                return value if isinstance(value, Table) else copy.deepcopy(value, memo)

        def conditions_hold(backend: Any, transact_items: list[dict[str, Any]]) -> bool:
            seen = set()
            for entry in transact_items:
                if len(entry) != 1:
                    return False
                ((op_type, op),) = entry.items()
                table = backend.tables.get(op.get("TableName"))
                if table is None or op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    return False
                source = op["Item"] if op_type == "Put" else op["Key"]
                key = {table.hash_key_attr: source[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = source[table.range_key_attr]
                identity = (op["TableName"], str(sorted(key.items())))
                if identity in seen:
                    return False
                seen.add(identity)
                if op.get("ConditionExpression") is not None:
                    condition = get_filter_expression(
                        op["ConditionExpression"],
                        op.get("ExpressionAttributeNames"),
                        op.get("ExpressionAttributeValues"),
                    )
                    if not condition.expr(backend.get_item(op["TableName"], key)):
                        return False
            return True

        def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
            if len(transact_items) > 100 or not conditions_hold(self, transact_items):
                return original(self, transact_items)
            models.copy = _NoTableBackups  # type: ignore[assignment]
            try:
                return original(self, transact_items)
            finally:
                models.copy = copy

        transact_write_items.without_table_backups = True  # type: ignore[attr-defined]
        models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


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
