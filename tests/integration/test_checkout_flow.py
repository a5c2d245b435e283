"""Checkout, payments, cancellation and expiry through the real handlers on the emulator's tables.

Each test makes its own product and buyers, so tests share the emulator without sharing state.
Stock is read straight from CatalogTable to check `available + reserved + sold` is conserved.
"""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shop.adapters.aws import client
from shop.adapters.catalog.inventory_dynamo import DynamoStockStore
from shop.adapters.orders.orders_dynamo import DynamoOrderStore
from shop.config import settings
from shop.domain.orders import fold
from shop_local.lambda_runtime.containers import FunctionPool
from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.provisioning.stack import load_function

pytestmark = pytest.mark.integration
EVENTS = Path("events")
ADDRESS = {"name": "Ada", "line1": "1 Road", "city": "London", "postal_code": "N1", "country": "GB"}
GOOD, DECLINED = "4242424242424242", "4000000000000002"
CARD = {"card_number": GOOD, "exp_month": 12, "exp_year": 2035, "cvc": "123"}
SAMPLES = {
    "CheckoutFunction": "orders/checkout.json",
    "PayOrderFunction": "orders/pay_order.json",
    "ListOrderPaymentsFunction": "orders/list_order_payments.json",
    "ListMyOrdersFunction": "orders/list_my_orders.json",
    "GetOrderFunction": "orders/get_order.json",
    "ListOrderEventsFunction": "orders/list_order_events.json",
    "CancelOrderFunction": "orders/cancel_order.json",
    "CreateCategoryFunction": "catalog/create_category.json",
    "CreateProductFunction": "catalog/create_product.json",
    "AdjustStockFunction": "inventory/adjust_stock.json",
    "AddCartItemFunction": "cart/add_cart_item.json",
}


@pytest.fixture(scope="module")
def call(stack, sample_event):
    # pools of independently loaded handlers, as the local gateway runs them: a powertools handler
    # module keeps the current event in globals, so one module must never serve two calls at once
    pools = {name: FunctionPool(stack.function(name)) for name in SAMPLES}

    def invoke(
        function, *, user="admin-1", role="admin", order_id=None, body=None, key=None, query=None, path=None
    ):
        params = path or ({"id": order_id} if order_id else None)
        extra = {} if query is None else {"query": query}
        event = sample_event(
            SAMPLES[function], user=user, role=role, body=body, key=key, path=params, **extra
        )
        answer = pools[function].invoke(event)
        return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None

    return invoke


@pytest.fixture(scope="module")
def category(call):
    status, made = call(
        "CreateCategoryFunction", body={"name": "Orders", "slug": f"orders-{uuid.uuid4().hex[:8]}"}
    )
    assert status == 201
    return made["id"]


@pytest.fixture
def make_product(call, category):
    def make(stock: int, price: int = 1500) -> str:
        body = {"sku": f"O-{uuid.uuid4().hex[:10]}", "name": "Teapot", "price_cents": price}
        status, product = call(
            "CreateProductFunction", body=body | {"category_id": category, "status": "ACTIVE"}
        )
        assert status == 201
        path = {"product_id": product["id"]}
        assert call("AdjustStockFunction", path=path, body={"delta": stock, "reason": "test"})[0] == 200
        return product["id"]

    return make


@pytest.fixture
def buyer(call):
    def make(*lines: tuple[str, int]) -> str:
        user = f"u_{uuid.uuid4().hex}"
        for product_id, quantity in lines:
            body = {"product_id": product_id, "quantity": quantity}
            assert call("AddCartItemFunction", user=user, role="customer", body=body)[0] == 200
        return user

    return make


def levels(product_id):
    got = DynamoStockStore(client("dynamodb"), settings().catalog_table).stock_levels(product_id)
    assert got is not None
    return got.available, got.reserved, got.sold


def store():
    return DynamoOrderStore(client("dynamodb"), settings().orders_table, settings().catalog_table)


def refunds_queue_delivers(stack, order_id):
    """The order's order_cancelled event, as RefundsQueue hands it to RefundsFunction (real-shaped)."""
    record = json.loads((EVENTS / "orders/refund_payments.json").read_text())["Records"][0]
    cancelled = next(e for e in store().order_history(order_id).events if e.type == "order_cancelled")
    body = {
        "id": cancelled.event_id,
        "type": cancelled.type,
        "version": 1,
        "occurred_at": cancelled.occurred_at,
        "order_id": order_id,
        "seq": cancelled.seq,
        "data": cancelled.data.plain(),
    }
    record |= {"messageId": str(uuid.uuid4()), "body": json.dumps(body)}
    return FunctionPool(stack.function("RefundsFunction")).invoke({"Records": [record]})


def checkout(call, user, key=None, body=None):
    return call(
        "CheckoutFunction",
        user=user,
        role="customer",
        key=key or uuid.uuid4().hex,
        body=body or {"shipping_address": ADDRESS},
    )


def test_the_buyer_journey_conserves_stock_and_records_every_event(call, make_product, buyer, stack):
    mug = make_product(10)
    alice = buyer((mug, 3))
    status, order = checkout(call, alice)
    assert status == 201 and order["status"] == "PENDING_PAYMENT" and levels(mug) == (7, 3, 0)
    assert (order["subtotal_cents"], order["shipping_cents"], order["total_cents"]) == (4500, 499, 4999)
    assert order["shipping_address"]["line2"] is None and "version" not in order
    assert checkout(call, alice)[1]["error"]["code"] == "CART_EMPTY"
    customer = {"user": alice, "role": "customer", "order_id": order["id"]}
    status, failed = call("PayOrderFunction", **customer, key="k1", body=CARD | {"card_number": DECLINED})
    assert (
        status == 200
        and failed["payment"]["status"] == "FAILED"
        and failed["order"]["status"] == "PENDING_PAYMENT"
    )
    status, paid = call("PayOrderFunction", **customer, key="k2", body=CARD)
    assert status == 200 and paid["payment"]["status"] == "SUCCEEDED" and paid["order"]["status"] == "PAID"
    assert levels(mug) == (7, 0, 3)
    assert (
        call("PayOrderFunction", **customer, key="k3", body=CARD)[1]["error"]["code"] == "INVALID_TRANSITION"
    )
    status, cancelled = call("CancelOrderFunction", **customer)
    assert status == 200 and cancelled["status"] == "CANCELLED" and levels(mug) == (10, 0, 0)
    payments = call("ListOrderPaymentsFunction", **customer)[1]["items"]
    assert [p["status"] for p in payments] == ["FAILED", "REFUND_PENDING"]
    assert refunds_queue_delivers(stack, order["id"]) == {"batchItemFailures": []}
    payments = call("ListOrderPaymentsFunction", **customer)[1]["items"]
    assert [p["status"] for p in payments] == ["FAILED", "REFUNDED"]
    assert set(payments[1]) == {
        "id",
        "order_id",
        "status",
        "amount_cents",
        "currency",
        "card_brand",
        "card_last4",
        "failure_reason",
        "created_at",
    }
    events = call("ListOrderEventsFunction", **customer)[1]["items"]
    assert [(e["seq"], e["type"]) for e in events] == [
        (1, "order_created"),
        (2, "payment_failed"),
        (3, "payment_succeeded"),
        (4, "order_cancelled"),
        (5, "payment_refunded"),
    ]
    assert events[3]["data"]["refund_pending"] is True
    assert events[0]["actor"] == {"id": alice, "role": "customer"}
    assert events[4]["data"]["amount_cents"] == 4999 and events[4]["actor"]["role"] == "system"
    assert events[0]["data"]["shipping_address"] == order["shipping_address"]  # opened for the owner
    history = store().order_history(order["id"])
    assert fold(history.events) == history.order
    refunded = call("GetOrderFunction", **customer)[1]
    assert refunded == cancelled | {"updated_at": refunded["updated_at"]}
    listed = call("ListMyOrdersFunction", user=alice, role="customer", query={"limit": "5"})[1]
    assert listed == {"items": [refunded], "next_cursor": None}


def test_out_of_stock_lists_every_short_line_and_reserves_nothing(call, make_product, buyer):
    plenty, scarce, rare = make_product(10), make_product(5), make_product(2)
    alice = buyer((plenty, 2), (scarce, 4), (rare, 2))
    assert (
        call("AdjustStockFunction", path={"product_id": scarce}, body={"delta": -3, "reason": "t"})[0] == 200
    )
    assert call("AdjustStockFunction", path={"product_id": rare}, body={"delta": -2, "reason": "t"})[0] == 200
    status, refused = checkout(call, alice)
    assert status == 409 and refused["error"]["code"] == "OUT_OF_STOCK"
    assert refused["error"]["details"] == [
        {"product_id": scarce, "requested": 4, "available": 2},
        {"product_id": rare, "requested": 2, "available": 0},
    ]
    assert (levels(plenty), levels(scarce), levels(rare)) == ((10, 0, 0), (2, 0, 0), (0, 0, 0))
    assert call("ListMyOrdersFunction", user=alice, role="customer")[1]["items"] == []


def test_the_same_key_sequentially_and_in_parallel_makes_one_order(call, make_product, buyer):
    mug = make_product(20)
    alice, bob = buyer((mug, 1)), buyer((mug, 1))
    sequential = [checkout(call, alice, key="same-key") for _ in range(10)]
    with ThreadPoolExecutor(10) as pool:
        parallel = list(pool.map(lambda _: checkout(call, bob, key="same-key"), range(10)))
    for answers, user in ((sequential, alice), (parallel, bob)):
        assert answers[0][0] == 201 and all(a == answers[0] for a in answers)
        assert len(call("ListMyOrdersFunction", user=user, role="customer")[1]["items"]) == 1
    assert sequential[0][1]["id"] != parallel[0][1]["id"] and levels(mug) == (18, 2, 0)
    other = checkout(call, alice, key="same-key", body={"shipping_address": ADDRESS | {"city": "Paris"}})
    assert other == (422, other[1]) and other[1]["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_a_4xx_is_replayed_for_its_key(call, make_product, buyer):
    alice = buyer()
    assert checkout(call, alice, key="empty")[0] == 409
    buyer_cart = make_product(3)
    call("AddCartItemFunction", user=alice, role="customer", body={"product_id": buyer_cart, "quantity": 1})
    assert checkout(call, alice, key="empty")[1]["error"]["code"] == "CART_EMPTY"
    assert checkout(call, alice, key="fresh")[0] == 201


def test_strangers_get_404_and_bodies_cannot_set_prices_or_owners(call, make_product, buyer):
    mug = make_product(5)
    alice, mallory = buyer((mug, 1)), f"u_{uuid.uuid4().hex}"
    order = checkout(call, alice)[1]
    stranger = {"user": mallory, "role": "customer", "order_id": order["id"]}
    for function in (
        "GetOrderFunction",
        "ListOrderEventsFunction",
        "ListOrderPaymentsFunction",
        "CancelOrderFunction",
    ):
        assert call(function, **stranger)[0] == 404
    assert call("PayOrderFunction", **stranger, key="x", body=CARD)[0] == 404
    assert call("GetOrderFunction", order_id=order["id"])[0] == 200  # an admin reads any order
    for extra in ({"price_cents": 1}, {"status": "PAID"}, {"user_id": mallory}, {"total_cents": 0}):
        assert checkout(call, alice, body={"shipping_address": ADDRESS} | extra)[0] == 400
    assert (
        call("CheckoutFunction", user="g_1", role="guest", key="g", body={"shipping_address": ADDRESS})[1][
            "error"
        ]["code"]
        == "LOGIN_REQUIRED"
    )
    assert call("CheckoutFunction", user=alice, role="customer", body={"shipping_address": ADDRESS})[0] == 400
    assert checkout(call, alice, body={"shipping_address": ADDRESS | {"country": "XX"}})[0] == 400
    owner = {"user": alice, "role": "customer", "order_id": order["id"]}
    for bad in (
        {"card_number": "4242424242424241"},
        {"exp_year": 2020},
        {"cvc": "12"},
        {"card_number": 4242424242424242},
    ):
        status, body = call("PayOrderFunction", **owner, key=uuid.uuid4().hex, body=CARD | bad)
        assert status == 400 and "4242424242424241" not in json.dumps(body)
    assert levels(mug) == (4, 1, 0)


def test_the_expiry_sweep_releases_unpaid_orders_but_not_paid_ones(call, make_product, buyer, stack):
    from shop.bootstrap import build_audit_trail
    from shop.services.orders_cancel import CancelService
    from shop.services.reservation_expiry import ReservationExpiry

    mug = make_product(10)
    alice, bob = buyer((mug, 2)), buyer((mug, 3))
    unpaid, paid = checkout(call, alice)[1], checkout(call, bob)[1]
    call("PayOrderFunction", user=bob, role="customer", order_id=paid["id"], key="p", body=CARD)
    later = lambda: datetime.now(UTC) + timedelta(seconds=settings().reservation_ttl_seconds + 5)  # noqa: E731
    cancels = CancelService(store(), build_audit_trail(), clock=later)
    report = ReservationExpiry(store(), cancels, clock=later).sweep()
    assert report.expired >= 1
    assert (
        store().get_order(unpaid["id"]).status == "CANCELLED"
        and store().get_order(paid["id"]).status == "PAID"
    )
    assert levels(mug) == (7, 0, 3)
    events = call("ListOrderEventsFunction", user=alice, role="customer", order_id=unpaid["id"])[1]["items"]
    assert events[-1]["data"]["reason"] == "RESERVATION_EXPIRED" and events[-1]["actor"]["role"] == "system"
    sweeper = load_function(stack, "ExpireReservationsFunction")
    scheduled = json.loads((EVENTS / "orders/expire_reservations.json").read_text())
    assert sweeper(scheduled, LambdaContext(function_name="expire", timeout_seconds=60))["expired"] == 0


def test_a_payment_after_the_window_cancels_the_order_at_once(call, make_product, buyer):
    """The reservation ended a minute ago and the sweep has not come by yet: the payment is refused
    (409, nothing charged) and leaves the order CANCELLED, its stock released, as the sweep would."""
    mug = make_product(10)
    alice = buyer((mug, 2))
    order = checkout(call, alice)[1]
    ended = (
        (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )
    client("dynamodb").update_item(  # the clock cannot be moved for a handler: the window is moved
        TableName=settings().orders_table,
        Key={"pk": {"S": f"ORDER#{order['id']}"}, "sk": {"S": "ORDER"}},
        UpdateExpression="SET reservation_expires_at = :ended",
        ExpressionAttributeValues={":ended": {"S": ended}},
    )
    status, body = call(
        "PayOrderFunction", user=alice, role="customer", order_id=order["id"], key="p", body=CARD
    )
    assert (status, body["error"]["code"]) == (409, "INVALID_TRANSITION"), body
    assert store().get_order(order["id"]).status == "CANCELLED"
    events = call("ListOrderEventsFunction", user=alice, role="customer", order_id=order["id"])[1]["items"]
    assert [e["type"] for e in events] == ["order_created", "order_cancelled"]
    assert events[-1]["data"]["reason"] == "RESERVATION_EXPIRED"
    assert levels(mug) == (10, 0, 0)


def test_checkout_and_payment_stay_within_their_call_budget(call, make_product, buyer):
    """The call budget: POST /checkout and POST /orders/{id}/payments make at most 5 AWS calls."""
    mug = make_product(5)
    alice = buyer((mug, 1))
    made: list[str] = []

    def count(model, **_):
        made.append(model.name)

    dynamodb = client("dynamodb")
    dynamodb.meta.events.register("before-call.dynamodb", count)
    try:
        order = checkout(call, alice)[1]
        at_checkout = list(made)
        made.clear()
        call("PayOrderFunction", user=alice, role="customer", order_id=order["id"], key="b", body=CARD)
    finally:
        dynamodb.meta.events.unregister("before-call.dynamodb", count)
    # the idempotency record (read; the checkout's transaction writes it), the cart, the products
    assert at_checkout == ["GetItem", "GetItem", "BatchGetItem", "TransactWriteItems"]
    # the idempotency claim, the order (with its shipment item, if any), the head of the payer's audit
    # chain, then ONE transaction: the payment, the order's new state and event, the stock moves and
    # the audit entry
    assert made == ["PutItem", "BatchGetItem", "Query", "TransactWriteItems"]
