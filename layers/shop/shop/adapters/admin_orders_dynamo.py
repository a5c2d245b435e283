"""Every order for the admin, newest first, from OrdersTable's keys-only indexes (never a Scan).

The unfiltered list reads gsi4's one partition of every order, a status filter gsi2's STATUS#<status>
partition; either way a page is one Query and one BatchGetItem of its orders
(shop.adapters.orders_dynamo_paging). The index lags its table by a moment, so an order that has just
left the status asked for is left out of the page rather than shown under the wrong filter.
"""

from __future__ import annotations

from typing import Any

from shop.adapters.order_addresses import SealedAddresses
from shop.adapters.orders_dynamo_items import (
    ALL_INDEX,
    ALL_ORDERS,
    STATUS_INDEX,
    order_from_item,
    status_partition,
)
from shop.adapters.orders_dynamo_paging import index_partition, orders_page
from shop.domain.orders import Order
from shop.domain.paging import Page, scope_of


class DynamoAllOrders:
    def __init__(self, client: Any, table: str, addresses: SealedAddresses | None = None) -> None:
        self._client, self._table, self._addresses = client, table, addresses

    def newest_orders(self, status: str | None, limit: int, cursor: str | None) -> Page[Order]:
        if status is None:
            spec = index_partition(self._table, ALL_INDEX, ALL_ORDERS, scope_of("admin-orders", ALL_INDEX))
        else:
            scope = scope_of("admin-orders", STATUS_INDEX, status)
            spec = index_partition(self._table, STATUS_INDEX, status_partition(status), scope)
        page = orders_page(self._client, spec, limit, cursor)
        opened = self._addresses.open if self._addresses is not None else lambda item: None
        orders = [order_from_item(item, opened(item)) for item in page.items]
        return Page([o for o in orders if status is None or o.status == status], page.next_cursor)
