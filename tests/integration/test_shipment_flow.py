"""Shipping through the real handlers on the emulator's tables: a paid order shipped and delivered.

Each test makes its own product and buyer, so tests share the emulator without sharing state. The
order's history is read straight from OrdersTable to check it is gapless and folds to the order.
"""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from shop.adapters.audit.audit_dynamo import DynamoTrail
from shop.adapters.aws import client
from shop.adapters.dynamo_paging import every_item
from shop.adapters.orders.orders_dynamo import DynamoOrderStore
from shop.adapters.orders.orders_dynamo_items import status_partition
from shop.adapters.orders.orders_paid_listing import DynamoPaidListing
from shop.config import settings
from shop.domain.orders import fold
from shop_local.lambda_runtime.containers import FunctionPool

pytestmark = pytest.mark.integration
ADDRESS = {"name": "Ada", "line1": "1 Road", "city": "London", "postal_code": "N1", "country": "GB"}
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
SAMPLES = {
    "CreateShipmentFunction": "shipping/create_shipment.json",
    "AddTrackingUpdateFunction": "shipping/add_tracking_update.json",
    "GetOrderShipmentFunction": "shipping/get_order_shipment.json",
    "CheckoutFunction": "orders/checkout.json",
    "PayOrderFunction": "orders/pay_order.json",
    "CreateCategoryFunction": "catalog/create_category.json",
    "CreateProductFunction": "catalog/create_product.json",
    "AdjustStockFunction": "inventory/adjust_stock.json",
    "AddCartItemFunction": "cart/add_cart_item.json",
    "GetOrderFunction": "orders/get_order.json",
    "ListMyOrdersFunction": "orders/list_my_orders.json",
    "ListAllOrdersFunction": "admin/list_all_orders.json",
    "CancelOrderFunction": "orders/cancel_order.json",
}
ADMIN = {"user": "admin-ship", "role": "admin"}


@pytest.fixture(scope="module")
def call(stack, sample_event):
    pools = {name: FunctionPool(stack.function(name)) for name in SAMPLES}

    def invoke(function, *, user="admin-ship", role="admin", path=None, body=None, key=None, query=None):
        event = sample_event(
            SAMPLES[function], user=user, role=role or None, path=path, body=body, key=key, query=query
        )
        answer = pools[function].invoke(event)
        return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None

    return invoke


@pytest.fixture(scope="module")
def product(call):
    slug = f"ship-{uuid.uuid4().hex[:8]}"
    status, category = call("CreateCategoryFunction", body={"name": "Ship", "slug": slug})
    assert status == 201
    body = {"sku": f"S-{uuid.uuid4().hex[:10]}", "name": "Kettle", "price_cents": 2500}
    status, made = call(
        "CreateProductFunction", body=body | {"category_id": category["id"], "status": "ACTIVE"}
    )
    assert status == 201
    adjust = {"delta": 1000, "reason": "shipping tests"}
    assert call("AdjustStockFunction", path={"product_id": made["id"]}, body=adjust)[0] == 200
    return made["id"]


@pytest.fixture
def order_of(call, product):
    """A new buyer's order: PENDING_PAYMENT, or PAID when asked."""

    def make(paid: bool = True) -> tuple[str, str]:
        buyer = f"u_{uuid.uuid4().hex}"
        line = {"product_id": product, "quantity": 1}
        assert call("AddCartItemFunction", user=buyer, role="customer", body=line)[0] == 200
        checkout = {"shipping_address": ADDRESS}
        status, order = call(
            "CheckoutFunction", user=buyer, role="customer", key=uuid.uuid4().hex, body=checkout
        )
        assert status == 201, order
        if paid:
            pay = {"user": buyer, "role": "customer", "path": {"id": order["id"]}, "key": uuid.uuid4().hex}
            assert call("PayOrderFunction", **pay, body=CARD)[1]["order"]["status"] == "PAID"
        return buyer, order["id"]

    return make


def history(order_id):
    store = DynamoOrderStore(client("dynamodb"), settings().orders_table, settings().catalog_table)
    found = store.order_history(order_id)
    assert found is not None
    assert [e.seq for e in found.events] == list(range(1, len(found.events) + 1))  # gapless
    assert fold(found.events) == found.order  # the state is what the events say
    return found


def audited(target_id):
    entries = DynamoTrail(client("dynamodb"), settings().audit_table).entries()
    return [(e.action, e.actor_id) for e in entries if e.target_id == target_id]


def ship(call, order_id, carrier="DHL", **who):
    return call("CreateShipmentFunction", path={"id": order_id}, body={"carrier": carrier}, **(ADMIN | who))


def track(call, shipment_id, status, **extra):
    body = {"status": status} | extra
    return call("AddTrackingUpdateFunction", path={"id": shipment_id}, body=body, **ADMIN)


def test_shipping_a_paid_order_and_delivering_it(call, order_of):
    buyer, order_id = order_of()
    assert call("GetOrderShipmentFunction", user=buyer, role="customer", path={"id": order_id})[0] == 404
    status, shipment = ship(call, order_id, "DHL Express")
    assert status == 201, shipment
    assert set(shipment) == {
        "id",
        "order_id",
        "carrier",
        "tracking_number",
        "status",
        "events",
        "created_at",
        "updated_at",
    }
    assert (shipment["order_id"], shipment["carrier"], shipment["status"]) == (
        order_id,
        "DHL Express",
        "LABEL_CREATED",
    )
    assert shipment["tracking_number"].startswith("SS") and len(shipment["tracking_number"]) == 14
    assert shipment["events"] == [
        {"status": "LABEL_CREATED", "location": None, "note": None, "occurred_at": shipment["created_at"]}
    ]
    shipped = history(order_id)
    assert shipped.order.status == "SHIPPED" and shipped.events[-1].type == "shipment_created"
    assert shipped.events[-1].data.user_id == buyer and shipped.events[-1].actor.id == "admin-ship"

    sid = shipment["id"]
    assert track(call, sid, "IN_TRANSIT", location="Leipzig hub")[0] == 200
    assert track(call, sid, "EXCEPTION", note="Address unclear")[0] == 200
    assert track(call, sid, "IN_TRANSIT")[0] == 200
    assert track(call, sid, "OUT_FOR_DELIVERY", location="London", note="Van 7")[0] == 200
    status, delivered = track(call, sid, "DELIVERED", location="Doorstep")
    assert status == 200 and delivered["status"] == "DELIVERED"
    assert [(e["status"], e["location"], e["note"]) for e in delivered["events"]] == [
        ("LABEL_CREATED", None, None),
        ("IN_TRANSIT", "Leipzig hub", None),
        ("EXCEPTION", None, "Address unclear"),
        ("IN_TRANSIT", None, None),
        ("OUT_FOR_DELIVERY", "London", "Van 7"),
        ("DELIVERED", "Doorstep", None),
    ]
    done = history(order_id)
    assert done.order.status == "DELIVERED"
    assert [e.type for e in done.events] == [
        "order_created",
        "payment_succeeded",
        "shipment_created",
        *["shipment_updated"] * 5,
        "order_delivered",
    ]
    assert done.events[-1].data.plain() == {
        "shipment_id": sid,
        "tracking_number": shipment["tracking_number"],
        "user_id": buyer,
    }
    owner_view = call("GetOrderShipmentFunction", user=buyer, role="customer", path={"id": order_id})
    assert owner_view == (200, delivered)
    assert call("GetOrderShipmentFunction", path={"id": order_id}, **ADMIN) == (200, delivered)
    stranger = call("GetOrderShipmentFunction", user="u_stranger", role="customer", path={"id": order_id})
    assert stranger[0] == 404 and stranger[1]["error"]["code"] == "NOT_FOUND"
    assert (
        audited(sid)
        == [("shipment.created", "admin-ship")] + [("shipment.tracking_updated", "admin-ship")] * 5
    )


def test_invalid_moves_are_409_and_change_nothing(call, order_of):
    _, pending = order_of(paid=False)
    refused = ship(call, pending)
    assert refused[0] == 409 and refused[1]["error"]["code"] == "INVALID_TRANSITION"
    missing = ship(call, "no-such-order")
    assert missing[0] == 404 and missing[1]["error"]["code"] == "NOT_FOUND"
    _, order_id = order_of()
    sid = ship(call, order_id)[1]["id"]
    again = ship(call, order_id, "UPS")
    assert again[0] == 409 and again[1]["error"]["code"] == "INVALID_TRANSITION"
    for status in ("LABEL_CREATED", "OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION"):
        answer = track(call, sid, status)
        assert answer[0] == 409 and answer[1]["error"]["code"] == "INVALID_TRANSITION", status
    assert track(call, "no-such-shipment", "IN_TRANSIT")[0] == 404
    for bad in (
        {"status": "LOST"},
        {"status": "IN_TRANSIT", "extra": 1},
        {"status": "IN_TRANSIT", "note": ""},
    ):
        answer = call("AddTrackingUpdateFunction", path={"id": sid}, body=bad, **ADMIN)
        assert answer[0] == 400 and answer[1]["error"]["code"] == "VALIDATION_ERROR", bad
    for bad_carrier in ({"carrier": ""}, {"carrier": "x" * 51}, {"carrier": 7}, {}):
        answer = call("CreateShipmentFunction", path={"id": order_id}, body=bad_carrier, **ADMIN)
        assert answer[0] == 400, bad_carrier
    assert len(history(order_id).events) == 3 and audited(sid) == [("shipment.created", "admin-ship")]


def test_concurrent_shipments_of_one_order_make_exactly_one(call, order_of):
    _, order_id = order_of()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: ship(call, order_id, f"Carrier {n}"), range(8)))
    made = [body for status, body in answers if status == 201]
    assert len(made) == 1, answers
    assert sorted(status for status, _ in answers) == [201] + [409] * 7
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"INVALID_TRANSITION"}
    found = history(order_id)
    assert [e.type for e in found.events].count("shipment_created") == 1
    assert found.events[-1].data.shipment_id == made[0]["id"]


def test_one_admin_shipping_many_orders_at_once_never_gets_a_500(call, order_of, product):
    """Every write of one admin appends to that admin's own audit chain, so their parallel
    requests (here shipments and stock adjustments) race for its next place: a loser is sent again
    on the new head, and one that keeps losing is answered 409 CONFLICT with nothing written,
    never 500."""
    orders = [order_of()[1] for _ in range(12)]
    restock = {"delta": 1, "reason": "restock while shipping"}

    def adjust(_: int) -> tuple[int, object]:
        return call("AdjustStockFunction", path={"product_id": product}, body=restock)

    with ThreadPoolExecutor(max_workers=24) as pool:
        adjusting = [pool.submit(adjust, n) for n in range(12)]
        answers = list(pool.map(lambda order_id: ship(call, order_id), orders))
        adjusted = [job.result() for job in adjusting]
    assert {status for status, _ in adjusted} <= {200, 409}, adjusted
    assert {status for status, _ in answers} <= {201, 409}, answers
    assert all(body["error"]["code"] == "CONFLICT" for status, body in answers if status == 409), answers
    for order_id, (status, _) in zip(orders, answers, strict=True):
        shipped = [e.type for e in history(order_id).events].count("shipment_created")
        assert shipped == (1 if status == 201 else 0), (order_id, status)
    shipments = {body["id"] for status, body in answers if status == 201}
    entries = DynamoTrail(client("dynamodb"), settings().audit_table).entries()
    assert {e.target_id for e in entries if e.action == "shipment.created"} >= shipments


def test_admin_routes_refuse_guests_customers_and_no_token(call, order_of):
    _, order_id = order_of()
    for role, expected in (("guest", 403), ("customer", 403), (None, 401)):
        who = {"user": "u_someone", "role": role}
        assert ship(call, order_id, **who)[0] == expected, role
        body = {"status": "IN_TRANSIT"}
        answer = call("AddTrackingUpdateFunction", path={"id": "any"}, body=body, **who)
        assert answer[0] == expected, role
    assert call("GetOrderShipmentFunction", user="", role=None, path={"id": order_id})[0] == 401
    assert history(order_id).order.status == "PAID"


def raw_order_item(order_id):
    key = {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": "ORDER"}}
    return client("dynamodb").get_item(TableName=settings().orders_table, Key=key, ConsistentRead=True)[
        "Item"
    ]


def admin_listing(call, status, order_id):
    """The order as GET /admin/orders?status= lists it (None: not on any page of that status)."""
    cursor = None
    while True:
        query = {"status": status, "limit": "100"} | ({"cursor": cursor} if cursor else {})
        answer, page = call("ListAllOrdersFunction", query=query, **ADMIN)
        assert answer == 200, page
        found = [o for o in page["items"] if o["id"] == order_id]
        if found or page["next_cursor"] is None:
            return found[0] if found else None
        cursor = page["next_cursor"]


def test_shipping_writes_no_item_of_the_customer_and_every_read_composes_the_status(call, order_of):
    buyer, order_id = order_of()
    paid_item = raw_order_item(order_id)
    sid = ship(call, order_id)[1]["id"]
    assert admin_listing(call, "SHIPPED", order_id)["status"] == "SHIPPED"
    assert admin_listing(call, "PAID", order_id) is None
    track(call, sid, "IN_TRANSIT")
    track(call, sid, "OUT_FOR_DELIVERY")
    assert track(call, sid, "DELIVERED")[0] == 200
    assert raw_order_item(order_id) == paid_item  # the admin's writes went to the shipment's items
    owner = {"user": buyer, "role": "customer"}
    status, order = call("GetOrderFunction", path={"id": order_id}, **owner)
    assert status == 200 and order["status"] == "DELIVERED" and order["updated_at"] > order["created_at"]
    mine = call("ListMyOrdersFunction", **owner)[1]["items"]
    assert [(o["id"], o["status"]) for o in mine] == [(order_id, "DELIVERED")]
    assert mine[0] == order
    assert admin_listing(call, "DELIVERED", order_id) == order
    assert admin_listing(call, "SHIPPED", order_id) is None and admin_listing(call, "PAID", order_id) is None
    assert history(order_id).order.status == "DELIVERED"
    refused = call("CancelOrderFunction", path={"id": order_id}, **owner)
    assert refused[0] == 409 and refused[1]["error"]["code"] == "INVALID_TRANSITION"


def test_a_customer_cancelling_while_an_admin_ships_ends_in_one_of_the_two(call, order_of):
    for _ in range(3):
        buyer, order_id = order_of()
        with ThreadPoolExecutor(max_workers=2) as pool:
            shipped = pool.submit(ship, call, order_id)
            cancelled = pool.submit(
                call, "CancelOrderFunction", path={"id": order_id}, user=buyer, role="customer"
            )
            answers = (shipped.result()[0], cancelled.result()[0])
        assert sorted(answers) in ([200, 409], [201, 409]), answers
        found = history(order_id)
        assert found.order.status == ("SHIPPED" if answers[0] == 201 else "CANCELLED")
        types = [e.type for e in found.events]
        assert ("shipment_created" in types) != ("order_cancelled" in types)


def paid_partition_holds(order_id):
    """Whether gsi2's PAID partition, which GET /admin/orders?status=PAID reads, still holds the order."""
    query = {
        "TableName": settings().orders_table,
        "IndexName": "gsi2",
        "KeyConditionExpression": "gsi2pk = :p",
        "ExpressionAttributeValues": {":p": {"S": status_partition("PAID")}},
    }
    return any(item["pk"]["S"] == f"ORDER#{order_id}" for item in every_item(client("dynamodb").query, query))


def test_the_publisher_takes_a_shipped_order_out_of_the_paid_partition_once(call, order_of):
    """Shipping leaves the customer's ORDER item alone; the system's stream publisher then removes its
    PAID index entry, so the paid list does not grow with every order ever shipped."""
    _, order_id = order_of()
    _, still_paid = order_of()
    ship(call, order_id)
    assert paid_partition_holds(order_id)  # until the publisher runs, the listing drops it itself
    listing = DynamoPaidListing(client("dynamodb"), settings().orders_table)

    listing.leave_paid_listing(order_id)
    listing.leave_paid_listing(order_id)  # a redelivered stream record: nothing more happens

    assert not paid_partition_holds(order_id) and paid_partition_holds(still_paid)
    assert admin_listing(call, "SHIPPED", order_id)["status"] == "SHIPPED"
    assert admin_listing(call, "PAID", still_paid)["status"] == "PAID"
    listing.leave_paid_listing(still_paid + "x")  # an order that was never paid: left as is
