"""Newest-first pages of orders: one keys-only index partition read backwards, then the orders.

OrdersTable's indexes hold keys only (shop.adapters.orders.orders_dynamo_items), so creating an order
writes one small entry per index and later moves rewrite none but gsi2's. A page is one Query of
the index (one more only if DynamoDB stops a Query short) and one BatchGetItem of its orders and their
shipments (two BatchGetItems for a page of more than 50). gsi1 USER#<user> serves a user's own orders, gsi2 STATUS#<status> the
admin's status filter, gsi4 ORDERS every order. Each cursor is bound to the query it was made for
(its scope) and must name a key of that very partition, so a cursor never widens what a caller sees.
"""

from __future__ import annotations

from typing import Any

from shop.adapters.batch_reads import get_items
from shop.adapters.dynamo_codec import AttrMap
from shop.adapters.dynamo_paging import PagedQuery, query_page
from shop.adapters.orders.orders_dynamo_items import FULFILMENT_SK, INDEX_SORT, ORDER_SK
from shop.domain.paging import Page


def index_partition(table: str, index: str, partition: str, scope: str) -> PagedQuery:
    return PagedQuery(
        table=table,
        partitions=[partition],
        scope=scope,
        index=index,
        sort_attr=INDEX_SORT,
        newest_first=True,
        item_pk_prefix="ORDER#",
    )


OrderItems = tuple[AttrMap, AttrMap | None]
"""An order item and its shipment item (None: not shipped), composed by orders_dynamo_items.compose."""


def orders_page(client: Any, spec: PagedQuery, limit: int, cursor: str | None) -> Page[OrderItems]:
    """Up to `limit` orders of the index partition `spec`, newest first, and the next cursor. An entry
    is an order item or (gsi2's SHIPPED and DELIVERED) a shipment item; either way the page reads
    both items of each order in the same BatchGetItem."""
    entries = query_page(client, spec, limit, cursor)
    pks = list(dict.fromkeys(entry["pk"]["S"] for entry in entries.items))
    keys = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk in pks for sk in (ORDER_SK, FULFILMENT_SK)]
    by_key = {(item["pk"]["S"], item["sk"]["S"]): item for item in get_items(client, spec.table, keys)}
    return Page(
        [(by_key[pk, ORDER_SK], by_key.get((pk, FULFILMENT_SK))) for pk in pks if (pk, ORDER_SK) in by_key],
        entries.next_cursor,
    )
