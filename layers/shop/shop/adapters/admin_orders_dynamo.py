"""Every order for the admin, newest first, from OrdersTable's keys-only indexes (never a Scan).

A status filter reads gsi2's STATUS#<status> partition: a page is one Query and one BatchGetItem of
its orders (shop.adapters.orders_dynamo_paging). The unfiltered list merges gsi2's five status
partitions by creation time (shop.adapters.merged_newest_first_dynamo): every order is in exactly
one of them, so no index of every order is written at checkout. The index lags its table by a
moment, so an order that has just left the status asked for is left out of the page rather than
shown under the wrong filter; one that changes status while an admin pages through the unfiltered
list may show on two pages, or on none, as it moves between partitions.
"""

from __future__ import annotations

from typing import Any, get_args

from shop.adapters.batch_reads import get_items
from shop.adapters.merged_newest_first_dynamo import merged_newest_first
from shop.adapters.order_addresses import SealedAddresses
from shop.adapters.orders_dynamo_items import (
    INDEX_SORT,
    STATUS_INDEX,
    AttrMap,
    order_from_item,
    status_partition,
)
from shop.adapters.orders_dynamo_paging import index_partition, orders_page
from shop.domain.orders import Order, OrderStatus
from shop.domain.paging import Page, scope_of


class DynamoAllOrders:
    def __init__(self, client: Any, table: str, addresses: SealedAddresses | None = None) -> None:
        self._client, self._table, self._addresses = client, table, addresses

    def newest_orders(self, status: str | None, limit: int, cursor: str | None) -> Page[Order]:
        if status is None:
            page = self._every_order(limit, cursor)
        else:
            scope = scope_of("admin-orders", STATUS_INDEX, status)
            spec = index_partition(self._table, STATUS_INDEX, status_partition(status), scope)
            page = orders_page(self._client, spec, limit, cursor)
        opened = self._addresses.open if self._addresses is not None else lambda item: None
        orders = [order_from_item(item, opened(item)) for item in page.items]
        return Page([o for o in orders if status is None or o.status == status], page.next_cursor)

    def _every_order(self, limit: int, cursor: str | None) -> Page[AttrMap]:
        scope = scope_of("admin-orders", STATUS_INDEX, "every status")
        streams = {
            status: index_partition(
                self._table, STATUS_INDEX, status_partition(status), scope_of(scope, status)
            )
            for status in get_args(OrderStatus)
        }
        entries = merged_newest_first(self._client, streams, scope, limit, cursor, INDEX_SORT)
        keys = [{"pk": entry["pk"], "sk": entry["sk"]} for entry in entries.items]
        by_pk = {item["pk"]["S"]: item for item in get_items(self._client, self._table, keys)}
        return Page([by_pk[k["pk"]["S"]] for k in keys if k["pk"]["S"] in by_pk], entries.next_cursor)
