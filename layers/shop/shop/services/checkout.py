"""Checkout: the cart becomes an order in PENDING_PAYMENT, its stock reserved, in one transaction.

Prices come from the catalog at this moment and are frozen into the order; the transaction
re-checks each price, so a price change between our read and the commit makes us read again
rather than sell at a stale price. The cart's version condition does the same for the cart.
The same transaction takes one of the customer's MAX_OPEN_ORDERS slots for unpaid orders, so a
sixth open order is refused (nothing reserved) however many checkouts race.

Each line reserves from one of the product's stock shards, picked at random among those holding
enough (shop.domain.stock_shards.pick_shards), or from several together when no single one does;
the line records them, so payment, cancel and expiry move those shards' units. Of a sharded
product, checkout reads two shards picked at random, and every shard only when those two cannot
serve the line. A shard that ran short between our read and the commit is one more retry, not an
answer: OUT_OF_STOCK is said only when a fresh read of every shard cannot serve the line.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta

from shop.domain.callers import Caller
from shop.domain.cart_pricing import on_sale
from shop.domain.money import line_total_cents, shipping_cents, single_currency
from shop.domain.order_event_data import OrderCreated
from shop.domain.order_lines import OrderLine, PostalAddress
from shop.domain.orders import MAX_ORDER_LINES, EventActor, Order, OrderAggregate, timestamp
from shop.domain.stock_shards import ShardTake, pick_shards, shards_record
from shop.errors import CartEmpty, Conflict, OutOfStock, TooManyOpenOrders
from shop.observability import count
from shop.services.order_ports import (
    CartSource,
    CheckoutLine,
    CommitRefused,
    OrderChange,
    OrderStore,
    ProductSnapshot,
    ProductSource,
    Seal,
    Shortage,
    stock_moves,
)
from shop.services.orders_retry import with_retries


def _shards_to_take(product: ProductSnapshot, quantity: int, rng: random.Random) -> list[ShardTake] | None:
    return pick_shards(product.shards or {0: product.available}, quantity, rng)


def _out_of_stock(lines: Sequence[CheckoutLine], shortages: Sequence[Shortage]) -> OutOfStock:
    by_product = {s.product_id: s for s in shortages}
    details = [asdict(by_product[product_id]) for product_id, _ in lines if product_id in by_product]
    return OutOfStock(details=details)


def _line(p: ProductSnapshot, quantity: int, takes: Sequence[ShardTake]) -> OrderLine:
    """The line at the price read now, frozen into the order; it records the shards it reserves."""
    return OrderLine(
        product_id=p.id,
        sku=p.sku,
        name=p.name,
        unit_price_cents=p.price_cents,
        quantity=quantity,
        line_total_cents=line_total_cents(p.price_cents, quantity),
        shards=shards_record(takes, quantity),
    )


class CheckoutService:
    def __init__(
        self,
        carts: CartSource,
        products: ProductSource,
        orders: OrderStore,
        reservation_ttl_seconds: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._carts, self._products, self._orders = carts, products, orders
        self._ttl = timedelta(seconds=reservation_ttl_seconds)
        self._clock, self._sleep = clock, sleep
        self._rng = rng or random.Random()  # noqa: S311 - spreads buyers over shards, not a secret

    def checkout(self, caller: Caller, address: PostalAddress, seal: Seal[Order] | None = None) -> Order:
        """Reserve every line and create the order, or reserve nothing (409 OUT_OF_STOCK listing
        every short line, 409 TOO_MANY_OPEN_ORDERS). Concurrency refusals are retried with backoff,
        then a 409 CONFLICT."""
        try:
            order = with_retries(lambda: self._attempt(caller, address, seal), sleep=self._sleep)
        except OutOfStock:
            count("OutOfStockRefusals")
            raise
        count("OrdersCreated")
        return order

    def _attempt(self, caller: Caller, address: PostalAddress, seal: Seal[Order] | None) -> Order:
        in_cart, cart_version = self._carts.get_cart_for_checkout(caller.id)
        if not in_cart or cart_version is None:
            raise CartEmpty()
        products = self._products.products_for_checkout([product_id for product_id, _ in in_cart])
        # the lines the cart shows its owner; the others (a product gone, off sale, in another
        # currency) are left out of the order, as out of the priced cart, and go with the cart
        lines = [line for line, _ in on_sale((line, products.get(line[0])) for line in in_cart)[1]]
        if not lines:
            raise CartEmpty()
        if len(lines) > MAX_ORDER_LINES:
            raise Conflict(f"An order holds at most {MAX_ORDER_LINES} lines.")
        takes = {pid: _shards_to_take(products[pid], quantity, self._rng) for pid, quantity in lines}
        unsure = [pid for pid, _ in lines if len(takes[pid] or ()) != 1 and not products[pid].every_shard]
        if unsure:  # neither shard read can serve the line alone: every shard, before any answer
            products = {**products, **self._every_shard(unsure)}
            takes |= {
                pid: _shards_to_take(products[pid], qty, self._rng) for pid, qty in lines if pid in unsure
            }
        short = [
            Shortage(product_id, quantity, products[product_id].available)
            for product_id, quantity in lines
            if takes[product_id] is None
        ]
        if short:
            raise _out_of_stock(lines, short)
        order = self._new_order(caller, address, lines, products, takes)
        foreign = [self._carts.cart_delete_item(caller.id, cart_version)]
        if seal is not None:
            foreign.append(seal(order.state))
        moves = stock_moves(order.state.items, "reserve")
        change = OrderChange(order.state, order.pending, 0, stock=moves, foreign=foreign, pending_slot="take")
        try:
            self._orders.commit(change)
        except CommitRefused as refused:
            if refused.too_many_open_orders:
                raise TooManyOpenOrders() from refused
            raise
        return order.state

    def _every_shard(self, product_ids: Sequence[str]) -> dict[str, ProductSnapshot]:
        """The products read again with every shard; one gone meanwhile has none on sale."""
        fresh = self._products.products_for_checkout(product_ids, every_shard=True)
        gone = ProductSnapshot("", "", "", 0, "", "ARCHIVED", 0)
        return {pid: fresh.get(pid) or replace(gone, id=pid) for pid in product_ids}

    def _new_order(
        self,
        caller: Caller,
        address: PostalAddress,
        lines: Sequence[CheckoutLine],
        products: Mapping[str, ProductSnapshot],
        takes: Mapping[str, Sequence[ShardTake] | None],
    ) -> OrderAggregate:
        now = self._clock()
        items = tuple(_line(products[pid], quantity, takes[pid] or ()) for pid, quantity in lines)
        subtotal = sum(line.line_total_cents for line in items)
        shipping = shipping_cents(subtotal)
        data = OrderCreated(
            user_id=caller.id,
            items=items,
            subtotal_cents=subtotal,
            shipping_cents=shipping,
            total_cents=subtotal + shipping,
            currency=single_currency(products[product_id].currency for product_id, _ in lines),
            reservation_expires_at=timestamp(now + self._ttl),
            shipping_address=address,
        )
        actor = EventActor(caller.id, caller.role)
        return OrderAggregate.create(uuid.uuid4().hex, timestamp(now), actor, data)
