"""Newest-first pages of orders: one keys-only index partition read backwards, then the orders.

OrdersTable's indexes hold keys only (shop.adapters.orders_dynamo_items), so creating an order
writes one small entry per index and later moves rewrite none but gsi2's. A page is one Query of
the index (one more only if DynamoDB stops a Query short) and one BatchGetItem of its orders (a
page holds at most 100). gsi1 USER#<user> serves a user's own orders, gsi2 STATUS#<status> the
admin's status filter, gsi4 ORDERS every order. Each cursor is bound to the query it was made for
(its scope) and must name a key of that very partition, so a cursor never widens what a caller sees.
"""

from __future__ import annotations

from typing import Any

from shop.adapters.batch_reads import get_items
from shop.adapters.newest_first_dynamo import Partition, newest_first
from shop.adapters.orders_dynamo_items import INDEX_SORT, AttrMap
from shop.domain.paging import Page


def index_partition(table: str, index: str, partition: str, scope: str) -> Partition:
    return Partition(
        table=table,
        partition=partition,
        scope=scope,
        item_pk_prefix="ORDER#",
        index=index,
        sort_attr=INDEX_SORT,
    )


def orders_page(client: Any, spec: Partition, limit: int, cursor: str | None) -> Page[AttrMap]:
    """Up to `limit` order items of the index partition `spec`, newest first, and the next cursor."""
    entries = newest_first(client, spec, limit, cursor)
    keys = [{"pk": entry["pk"], "sk": entry["sk"]} for entry in entries.items]
    by_pk = {item["pk"]["S"]: item for item in get_items(client, spec.table, keys)}
    return Page([by_pk[k["pk"]["S"]] for k in keys if k["pk"]["S"] in by_pk], entries.next_cursor)
