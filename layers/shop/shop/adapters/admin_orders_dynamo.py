"""Every order for the admin, newest first, from OrdersTable's indexes (never a Scan).

A status filter reads gsi2's STATUS#<status> partition; the unfiltered list walks gsi4's month
partitions from the current month back to the month the shop opened (`oldest_month`): an empty
month costs one small Query, and only a page that reaches the end walks the remaining ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shop.adapters.order_addresses import SealedAddresses
from shop.adapters.orders_dynamo_items import order_from_item
from shop.adapters.orders_dynamo_paging import index_page, months_page
from shop.domain.orders import Order
from shop.domain.paging import Page, scope_of

SHOP_OPENED_MONTH = "2024-01"
"""No order is older than this month: the unfiltered walk stops here."""


class DynamoAllOrders:
    def __init__(
        self,
        client: Any,
        table: str,
        oldest_month: str = SHOP_OPENED_MONTH,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        addresses: SealedAddresses | None = None,
    ) -> None:
        self._client, self._table, self._oldest, self._clock = client, table, oldest_month, clock
        self._addresses = addresses

    def newest_orders(self, status: str | None, limit: int, cursor: str | None) -> Page[Order]:
        if status is None:
            this_month = self._clock().strftime("%Y-%m")
            page = months_page(self._client, self._table, this_month, self._oldest, limit, cursor)
        else:
            scope = scope_of("admin-orders", "gsi2", status)
            page = index_page(self._client, self._table, "gsi2", f"STATUS#{status}", scope, limit, cursor)
        opened = self._addresses.open if self._addresses is not None else lambda item: None
        return Page([order_from_item(item, opened(item)) for item in page.items], page.next_cursor)
