"""The admin's view of every order, newest first, optionally of one status (GET /admin/orders).

Reads come from indexes kept current by the order store itself (every order write rewrites its
index keys), so the list is as fresh as the orders and costs a few Queries however many exist.
"""

from __future__ import annotations

from typing import Protocol

from shop.domain.orders import TRANSITIONS, Order
from shop.domain.paging import Page
from shop.errors import ValidationFailed


class AllOrders(Protocol):
    def newest_orders(self, status: str | None, limit: int, cursor: str | None) -> Page[Order]:
        """Orders newest first (of `status` only, unless None); ValidationFailed for a foreign cursor."""
        ...


class AdminOrderQueries:
    def __init__(self, orders: AllOrders) -> None:
        self._orders = orders

    def list_orders(self, status: str | None, limit: int, cursor: str | None) -> Page[Order]:
        if status is not None and status not in TRANSITIONS:
            raise ValidationFailed(details=[{"field": "query.status", "message": "is not an order status"}])
        return self._orders.newest_orders(status, limit, cursor)
