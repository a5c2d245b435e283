"""An order's writes on the real engine: every transaction the order store builds, as DynamoDB runs it.

The order item is put whole at checkout (its address sealed) and updated in place afterwards; the
customer's open-orders set is grown under a `size()` condition and shrunk with DELETE; a refund
moves its payment REFUND_PENDING -> REFUNDED under the step's condition. DynamoDB Local checks
the expressions the emulator is lenient about, and reports real transaction conflicts when one
customer's checkouts race on their open-orders item.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from shop.adapters.catalog.stock_shards_dynamo import shard_item
from shop.config import settings
from shop.domain.callers import Caller
from shop.domain.order_lines import PostalAddress
from shop.domain.orders import MAX_OPEN_ORDERS, fold
from shop.domain.payments import Card
from shop.errors import TooManyOpenOrders
from tests.fakes import CartsOfTheirOwn

ADDRESS = PostalAddress(name="Ada", line1="1 Loop Road", city="Leeds", postal_code="LS1", country="GB")


def a_product(stock: int) -> str:
    """An ACTIVE product with `stock` available in one stock shard, written as the catalog stores it."""
    product_id = uuid.uuid4().hex
    item: dict[str, Any] = {
        "pk": f"PRODUCT#{product_id}",
        "sk": "PRODUCT",
        "entity": "product",
        "id": product_id,
        "sku": f"DDB-{product_id[:8]}",
        "name": "Loop lamp",
        "price_cents": 1500,
        "currency": "USD",
        "status": "ACTIVE",
        "stock_shards": 1,
    }
    boto3.resource("dynamodb").Table(settings().catalog_table).put_item(Item=item)
    shard = shard_item(product_id, 0, "ACTIVE", 1500, available=stock)
    boto3.client("dynamodb").put_item(TableName=settings().catalog_table, Item=shard)
    return product_id


def services(product_id: str) -> Any:
    from shop.adapters.aws import client
    from shop.adapters.catalog.stock_dynamo import DynamoCheckoutProducts
    from shop.adapters.payment_gateway_mock import MockPaymentGateway
    from shop.bootstrap import build_audit_trail, build_order_store_with_addresses
    from shop.services.checkout import CheckoutService
    from shop.services.orders_cancel import CancelService
    from shop.services.payments import PaymentService
    from shop.services.refunds import RefundPayments

    orders, gateway, audit = build_order_store_with_addresses(), MockPaymentGateway(), build_audit_trail()
    products = DynamoCheckoutProducts(client("dynamodb"), settings().catalog_table)

    class Shop:
        checkout = CheckoutService(CartsOfTheirOwn(product_id), products, orders, 900)
        payments = PaymentService(orders, gateway, audit)
        cancels = CancelService(orders, audit)
        refunds = RefundPayments(orders, gateway, audit)
        store = orders

    return Shop


def test_checkout_pay_cancel_and_refund_commit_on_the_real_engine(local_cloud):
    from shop.domain.bus_messages import BusMessage

    shop, buyer = services(a_product(10)), Caller(f"u_{uuid.uuid4().hex}", "customer")
    order = shop.checkout.checkout(buyer, ADDRESS)
    shop.payments.pay(buyer, order.id, Card("4000000000000002", 12, 2035, "123"))  # declined
    paid = shop.payments.pay(buyer, order.id, Card("4242424242424242", 12, 2035, "123"))
    assert paid.order.status == "PAID"
    shop.cancels.cancel(buyer, order.id)
    history = shop.store.order_history(order.id)
    assert [p.status for p in history.payments] == ["FAILED", "REFUND_PENDING"]
    cancelled = history.events[-1]
    message = BusMessage(
        id=cancelled.event_id,
        type=cancelled.type,
        occurred_at=cancelled.occurred_at,
        order_id=order.id,
        seq=cancelled.seq,
        data=cancelled.data.plain(),
    )
    assert shop.refunds.settle(message) is True and shop.refunds.settle(message) is False
    history = shop.store.order_history(order.id)
    assert [p.status for p in history.payments] == ["FAILED", "REFUNDED"]
    assert [e.type for e in history.events][-2:] == ["order_cancelled", "payment_refunded"]
    assert fold(history.events) == history.order and history.order.shipping_address == ADDRESS
    raw = boto3.client("dynamodb").query(
        TableName=settings().orders_table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ORDER#{order.id}"}},
    )["Items"]
    assert "Loop Road" not in repr(raw)  # sealed
    order_item = next(item for item in raw if item["sk"]["S"] == "ORDER")
    assert order_item["gsi2pk"]["S"] == "STATUS#CANCELLED"  # no longer among the reservations to expire


def test_ten_simultaneous_checkouts_of_one_customer_open_exactly_five_orders(local_cloud):
    shop, buyer = services(a_product(50)), Caller(f"u_{uuid.uuid4().hex}", "customer")
    start = threading.Barrier(10)

    def attempt(_: int) -> str:
        start.wait()
        try:
            return shop.checkout.checkout(buyer, ADDRESS).id
        except TooManyOpenOrders:
            return "refused"

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(attempt, range(10)))
    created = {o for o in outcomes if o != "refused"}
    assert len(created) == MAX_OPEN_ORDERS and outcomes.count("refused") == 10 - MAX_OPEN_ORDERS
    item = boto3.client("dynamodb").get_item(
        TableName=settings().orders_table,
        Key={"pk": {"S": f"USER#{buyer.id}"}, "sk": {"S": "OPEN_ORDERS"}},
        ConsistentRead=True,
    )["Item"]
    assert set(item["open_orders"]["SS"]) == created
