"""A product's stock in shards on the real engine: a 200-way race sells exactly the stock.

The shop's own services (catalog, inventory, carts, checkout, payment, cancel) run in this process
against DynamoDB Local, which serialises transactions; 200 buyers check out at once through 40
threads (warm containers): each checkout reads the shards and reserves
from one it picked at random, and a shard emptied by a faster buyer sends it back to read again.
Demand (200 units) exceeds the stock, so every unit must end reserved by an order that records
its shard, every other buyer answered OUT_OF_STOCK, and each shard's levels must be exactly what
the orders naming it hold, before and after payments and cancellations.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from shop.config import settings
from shop.domain.callers import Caller
from shop.domain.cart import CartOwner
from shop.domain.order_lines import PostalAddress
from shop.domain.payments import Card
from shop.domain.stock_shards import UNITS_PER_SHARD
from shop.errors import OutOfStock

BUYERS, STOCK = 200, 6 * UNITS_PER_SHARD - 3
CONTAINERS = 40  # checkouts in flight at once, as warm Lambda containers: 200 threads on 2 CPUs time out
ADMIN = Caller("admin-shards", "admin", request_id="shards")
ADDRESS = PostalAddress(name="Ada", line1="1 Shard Road", city="Leeds", postal_code="LS1", country="GB")
CARD = Card("4242424242424242", 12, 2035, "123")


def a_product(stock: int) -> str:
    from shop.bootstrap import build_category_service, build_inventory_service, build_product_service

    tag = uuid.uuid4().hex[:8]
    category = build_category_service().create_category(ADMIN, "Shards", f"shards-{tag}")
    product = build_product_service().create_product(
        ADMIN, sku=f"SH-{tag}", name="Sharded", price_cents=900, category_id=category.id, status="ACTIVE"
    )
    build_inventory_service().adjust_stock(ADMIN, product.id, stock, "opening stock")
    return product.id


def shards(product_id: str) -> dict[int, tuple[int, int, int]]:
    answer = boto3.client("dynamodb").query(
        TableName=settings().catalog_table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :stock)",
        ExpressionAttributeValues={":pk": {"S": f"PRODUCT#{product_id}"}, ":stock": {"S": "STOCK#"}},
        ConsistentRead=True,
    )
    levels = {}
    for item in answer["Items"]:
        shard = int(item["sk"]["S"].removeprefix("STOCK#"))
        available, reserved, sold = (int(item[level]["N"]) for level in ("available", "reserved", "sold"))
        levels[shard] = (available, reserved, sold)
    return levels


def held(orders: list[Any], product_id: str) -> Counter[int]:
    """Units by shard that the lines of `orders` recorded."""
    units: Counter[int] = Counter()
    for order in orders:
        for line in order.items:
            if line.product_id == product_id:
                for shard, quantity in line.reserved_shards():
                    units[shard] += quantity
    return units


def test_two_hundred_buyers_of_a_sharded_product_take_exactly_its_stock(local_cloud):
    from shop.bootstrap import (
        build_cancel_service,
        build_cart_service,
        build_checkout_service,
        build_payment_service,
    )

    product_id = a_product(STOCK)
    opening = shards(product_id)
    assert len(opening) > 1 and sum(a for a, _, _ in opening.values()) == STOCK
    buyers = [Caller(f"u_{uuid.uuid4().hex}", "customer") for _ in range(BUYERS)]
    carts, checkout = build_cart_service(), build_checkout_service()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda b: carts.add_item(CartOwner(b.id, False), product_id, 1), buyers))
    start = threading.Barrier(CONTAINERS)

    def buy(buyer: Caller) -> Any:
        if buyer in buyers[:CONTAINERS]:
            start.wait()
        try:
            return checkout.checkout(buyer, ADDRESS)
        except OutOfStock as refused:
            return refused

    with ThreadPoolExecutor(CONTAINERS) as pool:
        outcomes = list(pool.map(buy, buyers))
    orders = [o for o in outcomes if not isinstance(o, OutOfStock)]
    refused = [o for o in outcomes if isinstance(o, OutOfStock)]
    assert len(orders) + len(refused) == BUYERS  # any other answer (409 CONFLICT) raised above
    assert len(orders) == STOCK and len({o.id for o in orders}) == STOCK
    assert all(r.details == [{"product_id": product_id, "requested": 1, "available": 0}] for r in refused)
    reserved = held(orders, product_id)
    assert len(reserved) > 1  # the buyers spread over the shards
    assert shards(product_id) == {k: (0, reserved[k], 0) for k in opening}

    paid, cancelled = orders[:40], orders[40:60]
    for order in paid:
        build_payment_service().pay(Caller(order.user_id, "customer"), order.id, CARD)
    for order in cancelled:
        build_cancel_service().cancel(Caller(order.user_id, "customer"), order.id)
    pending, released, sold = (
        held(orders[60:], product_id),
        held(cancelled, product_id),
        held(paid, product_id),
    )
    assert shards(product_id) == {k: (released[k], pending[k], sold[k]) for k in opening}
    for shard, (available, reserved_units, sold_units) in shards(product_id).items():
        assert available + reserved_units + sold_units == opening[shard][0]


def test_a_line_larger_than_any_shard_reserves_from_several_in_one_order(local_cloud):
    from shop.bootstrap import build_cart_service, build_checkout_service, build_inventory_service

    product_id, quantity = a_product(3 * UNITS_PER_SHARD), UNITS_PER_SHARD + 5
    assert max(a for a, _, _ in shards(product_id).values()) < quantity
    buyer = Caller(f"u_{uuid.uuid4().hex}", "customer")
    build_cart_service().add_item(CartOwner(buyer.id, False), product_id, quantity)
    order = build_checkout_service().checkout(buyer, ADDRESS)
    takes = order.items[0].reserved_shards()
    assert len(takes) > 1 and sum(units for _, units in takes) == quantity
    assert {k: r for k, (_, r, _) in shards(product_id).items() if r} == dict(takes)
    levels = build_inventory_service().stock_levels(product_id)
    assert (levels.available, levels.reserved, levels.sold) == (3 * UNITS_PER_SHARD - quantity, quantity, 0)
