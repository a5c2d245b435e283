"""At most five orders in PENDING_PAYMENT per customer, on the emulator's tables.

Through the real handlers: a sixth checkout is 409 TOO_MANY_OPEN_ORDERS with nothing reserved, and
paying, cancelling or the expiry of an open order makes room again. Under concurrency, through
the real checkout service and adapters: ten checkouts of one customer at the same moment open
exactly five orders (each with a cart of its own, since one cart can only be checked out once).
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from shop.adapters.aws import client
from shop.adapters.catalog.inventory_dynamo import DynamoStockStore
from shop.config import settings
from shop.domain.callers import Caller
from shop.domain.order_lines import PostalAddress
from shop.domain.orders import MAX_OPEN_ORDERS
from shop.errors import TooManyOpenOrders
from tests.fakes import CartsOfTheirOwn

pytestmark = pytest.mark.integration
ADDRESS = {"name": "Ada", "line1": "1 Road", "city": "London", "postal_code": "N1", "country": "GB"}
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
SAMPLES = {
    "CheckoutFunction": "orders/checkout.json",
    "PayOrderFunction": "orders/pay_order.json",
    "CancelOrderFunction": "orders/cancel_order.json",
    "AddCartItemFunction": "cart/add_cart_item.json",
}


@pytest.fixture(scope="module")
def call(handler_calls):
    return handler_calls(SAMPLES)


@pytest.fixture(scope="module")
def product(call, stocked_product):
    return stocked_product(call, 100, "open")


def levels(product_id):
    got = DynamoStockStore(client("dynamodb"), settings().catalog_table).stock_levels(product_id)
    assert got is not None
    return got.available, got.reserved, got.sold


def open_order_ids(user_id):
    item = (
        client("dynamodb")
        .get_item(
            TableName=settings().orders_table,
            Key={"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "OPEN_ORDERS"}},
            ConsistentRead=True,
        )
        .get("Item", {})
    )
    return set(item.get("open_orders", {}).get("SS", []))


def test_a_sixth_open_order_is_refused_until_one_is_paid_cancelled_or_expired(call, product):
    user = f"u_{uuid.uuid4().hex}"

    def checkout():
        added = call(
            "AddCartItemFunction", user=user, role="customer", body={"product_id": product, "quantity": 1}
        )
        assert added[0] == 200
        return call(
            "CheckoutFunction",
            user=user,
            role="customer",
            key=uuid.uuid4().hex,
            body={"shipping_address": ADDRESS},
        )

    opened = []
    for _ in range(MAX_OPEN_ORDERS):
        status, order = checkout()
        assert status == 201, order
        opened.append(order["id"])
    before = levels(product)
    status, refused = checkout()
    assert (status, refused["error"]["code"]) == (409, "TOO_MANY_OPEN_ORDERS")
    assert levels(product) == before, "a refused checkout reserved stock"
    assert open_order_ids(user) == set(opened)

    owner = {"user": user, "role": "customer"}
    pay = call("PayOrderFunction", **owner, key=uuid.uuid4().hex, body=CARD, path={"id": opened[0]})
    assert pay[0] == 200 and pay[1]["order"]["status"] == "PAID"
    status, order = call(
        "CheckoutFunction", **owner, key=uuid.uuid4().hex, body={"shipping_address": ADDRESS}
    )
    assert status == 201, order  # the cart still held the refused checkout's line
    opened.append(order["id"])
    assert checkout()[1]["error"]["code"] == "TOO_MANY_OPEN_ORDERS"

    assert call("CancelOrderFunction", **owner, path={"id": opened[1]})[0] == 200
    status, order = call(
        "CheckoutFunction", **owner, key=uuid.uuid4().hex, body={"shipping_address": ADDRESS}
    )
    assert status == 201, order
    opened.append(order["id"])
    assert checkout()[1]["error"]["code"] == "TOO_MANY_OPEN_ORDERS"

    from shop.bootstrap import build_audit_trail, build_order_store
    from shop.services.orders_cancel import CancelService

    later = lambda: datetime.now(UTC) + timedelta(seconds=settings().reservation_ttl_seconds + 5)  # noqa: E731
    assert CancelService(build_order_store(), build_audit_trail(), clock=later).expire(opened[2]) is True
    status, order = call(
        "CheckoutFunction", **owner, key=uuid.uuid4().hex, body={"shipping_address": ADDRESS}
    )
    assert status == 201, order
    assert len(open_order_ids(user)) == MAX_OPEN_ORDERS and opened[2] not in open_order_ids(user)


def test_ten_simultaneous_checkouts_of_one_customer_open_exactly_five_orders(stack, product):
    from shop.adapters.catalog.stock_dynamo import DynamoCheckoutProducts
    from shop.bootstrap import build_order_store_with_addresses
    from shop.services.checkout import CheckoutService

    products = DynamoCheckoutProducts(client("dynamodb"), settings().catalog_table)
    checkouts = CheckoutService(CartsOfTheirOwn(product), products, build_order_store_with_addresses(), 900)
    caller, start = Caller(f"u_{uuid.uuid4().hex}", "customer"), threading.Barrier(10)
    before = levels(product)

    def attempt(_: int) -> str:
        start.wait()
        try:
            return checkouts.checkout(caller, PostalAddress.of_plain(ADDRESS | {"line2": None})).id
        except TooManyOpenOrders:
            return "refused"

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(attempt, range(10)))
    created = {o for o in outcomes if o != "refused"}
    assert len(created) == MAX_OPEN_ORDERS and outcomes.count("refused") == 10 - MAX_OPEN_ORDERS
    assert levels(product) == (before[0] - MAX_OPEN_ORDERS, before[1] + MAX_OPEN_ORDERS, before[2])
    assert open_order_ids(caller.id) == created
