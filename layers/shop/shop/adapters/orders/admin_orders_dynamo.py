"""Every order for the admin, newest first, from OrdersTable's keys-only indexes (never a Scan).

The unfiltered list reads gsi4's one partition of every order, a status filter gsi2's STATUS#<status>
partition; either way a page is one Query and one BatchGetItem of its orders and their shipments
(shop.adapters.orders.orders_dynamo_paging). An order's status is that of its order item or, once shipped,
of its shipment item (orders_dynamo_items.compose), and STATUS#PAID keeps the entries of orders that
have shipped since (only the admin's shipment item says so): a page leaves out every order not in the
status asked for, as it does an order that has just left it (the index lags its table by a moment).
"""

from __future__ import annotations

from typing import Any

from shop.adapters.dynamo_paging import scope_of
from shop.adapters.orders.order_addresses import SealedAddresses
from shop.adapters.orders.orders_dynamo_items import (
    ALL_INDEX,
    ALL_ORDERS,
    STATUS_INDEX,
    compose,
    order_from_item,
    status_partition,
)
from shop.adapters.orders.orders_dynamo_paging import index_partition, orders_page
from shop.domain.orders import Order
from shop.domain.paging import Page


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
        orders = [compose(order_from_item(item, opened(item)), shipment) for item, shipment in page.items]
        return Page([o for o in orders if status is None or o.status == status], page.next_cursor)
