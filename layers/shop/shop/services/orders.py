"""Reading orders: a caller's own list, one order, its events and its payments.

Someone else's order is a 404, never a 403 (API.md), so ids cannot be probed. Admins read any
order; listing is always the caller's own (admins list all orders through shop.services.admin_orders).
"""

from __future__ import annotations

from collections.abc import Sequence

from shop.domain.callers import Caller
from shop.domain.orders import Order, OrderEvent
from shop.domain.paging import Page
from shop.domain.payments import Payment
from shop.errors import NotFound
from shop.services.order_ports import OrderHistory, OrderStore


class OrderQueries:
    def __init__(self, orders: OrderStore) -> None:
        self._orders = orders

    def my_orders(self, caller: Caller, limit: int, cursor: str | None) -> Page[Order]:
        return self._orders.orders_of(caller.id, limit, cursor)

    def order(self, caller: Caller, order_id: str) -> Order:
        order = self._orders.get_order(order_id)
        if order is None or not (caller.is_admin or order.user_id == caller.id):
            raise NotFound("No such order.")
        return order

    def events(self, caller: Caller, order_id: str) -> Sequence[OrderEvent]:
        return self._history(caller, order_id).events

    def payments(self, caller: Caller, order_id: str) -> Sequence[Payment]:
        return self._history(caller, order_id).payments

    def _history(self, caller: Caller, order_id: str) -> OrderHistory:
        history = self._orders.order_history(order_id)
        if history is None or not (caller.is_admin or history.order.user_id == caller.id):
            raise NotFound("No such order.")
        return history
