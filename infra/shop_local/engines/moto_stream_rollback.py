"""Make moto's DynamoDB stream survive a cancelled transaction, as DynamoDB's does.

moto (5.2) undoes a cancelled TransactWriteItems by swapping each touched table for a deep copy
taken before it. The copy brings a copy of the stream shard, while every open shard iterator (the
local poller's) still points at the old shard object: that old shard keeps the records of the
cancelled writes (phantom events, published although never committed) and never sees another
record (every later event lost). This patch keeps the live shard, trimmed back to its length
before the transaction, on the restored table. Install it once per process before serving.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_MARK = "_shop_keeps_stream_shards"


def install() -> None:
    """Idempotent; patches the class, so every backend of this process (the emulator's) is covered."""
    original = DynamoDBBackend.transact_write_items
    if getattr(original, _MARK, False):
        return

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        shards = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if table.stream_shard is not None
        }
        try:
            original(self, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not shard:
                    del shard.items[length:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    setattr(transact_write_items, _MARK, True)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
