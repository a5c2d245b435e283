"""GET /admin/orders through its real handler on the emulator: paging newest first, the status filter.

Orders of past months are written through the order store itself (as checkout would have written
them then), so gsi4's partition of every order and gsi2's status partitions hold exactly what the
store puts there. The emulator is shared with other tests, so assertions look at this test's orders
inside the full listing and at the listing's order, never at its total size.
"""

import copy
import json
import uuid
from pathlib import Path

import pytest

from shop.bootstrap import build_order_store_with_addresses
from shop.domain.order_event_data import OrderCreated, event_data_of_plain
from shop.domain.orders import EventActor, OrderAggregate
from shop.services.order_ports import OrderChange
from shop_local.lambda_runtime.containers import FunctionPool

pytestmark = pytest.mark.integration
SAMPLE = Path("events/admin/list_all_orders.json")
ADDRESS = {
    "name": "Ada",
    "line1": "1 Road",
    "line2": None,
    "city": "London",
    "postal_code": "N1",
    "country": "GB",
}
ITEM = {
    "product_id": "p1",
    "sku": "S1",
    "name": "Mug",
    "unit_price_cents": 900,
    "quantity": 1,
    "line_total_cents": 900,
}


@pytest.fixture(scope="module")
def list_orders(stack):
    pool = FunctionPool(stack.function("ListAllOrdersFunction"))

    def invoke(query=None, role="admin"):
        event = copy.deepcopy(json.loads(SAMPLE.read_text()))
        user = f"u_{role}"
        event["requestContext"]["authorizer"] = (
            {"user_id": user, "role": role, "principalId": user} if role else {}
        )
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
        answer = pool.invoke(event)
        return answer["statusCode"], json.loads(answer["body"])

    return invoke


def store():
    """The store checkout uses: it seals each new order's shipping address."""
    return build_order_store_with_addresses()


def place(created_at, paid=False):
    """An order as checkout (and a payment) would have stored it at `created_at`."""
    buyer = EventActor(f"u_{uuid.uuid4().hex}", "customer")
    data = {
        "user_id": buyer.id,
        "items": [ITEM],
        "subtotal_cents": 900,
        "shipping_cents": 499,
        "total_cents": 1399,
        "currency": "USD",
        "shipping_address": ADDRESS,
        "reservation_expires_at": created_at,
    }
    created = event_data_of_plain("order_created", data)
    assert isinstance(created, OrderCreated)
    aggregate = OrderAggregate.create(uuid.uuid4().hex, created_at, buyer, created)
    if paid:
        payment = {"payment_id": "pay1", "amount_cents": 1399, "currency": "USD", "card_brand": "visa"}
        owner = {"card_last4": "4242", "user_id": buyer.id, "items": [ITEM], "total_cents": 1399}
        aggregate.record(event_data_of_plain("payment_succeeded", payment | owner), created_at, buyer)
    store().commit(OrderChange(aggregate.state, aggregate.pending, 0))
    return aggregate.state.id


@pytest.fixture(scope="module")
def mine():
    """Orders over several months, with empty months between them; id -> (created_at, status)."""
    made = {}
    for at, paid in (
        ("2025-03-05T08:00:00.000Z", True),
        ("2025-11-30T23:59:59.999Z", False),
        ("2026-06-01T00:00:00.000Z", True),
        ("2026-06-15T12:00:00.000Z", True),
        ("2026-06-15T12:00:00.001Z", False),
    ):
        made[place(at, paid)] = (at, "PAID" if paid else "PENDING_PAYMENT")
    return made


def walk(list_orders, limit, **query):
    items, cursor, pages = [], None, 0
    while True:
        params = {"limit": str(limit), **query} | ({"cursor": cursor} if cursor else {})
        status, page = list_orders(params)
        assert status == 200, page
        assert len(page["items"]) == limit or page["next_cursor"] is None
        items += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages


def newest_first(items):
    keys = [(o["created_at"], o["id"]) for o in items]
    return keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)


def test_every_order_newest_first_across_months(list_orders, mine):
    items, pages = walk(list_orders, 2)
    assert newest_first(items) and pages > 1
    listed = {o["id"]: (o["created_at"], o["status"]) for o in items}
    assert {oid: listed.get(oid) for oid in mine} == mine
    assert all(o["shipping_address"] == ADDRESS for o in items if o["id"] in mine)  # opened for the admin
    whole, _ = walk(list_orders, 100)
    assert [o["id"] for o in whole] == [o["id"] for o in items]


def test_the_status_filter_lists_only_that_status_and_follows_changes(list_orders, mine):
    paid, _ = walk(list_orders, 1, status="PAID")
    assert newest_first(paid) and {o["status"] for o in paid} == {"PAID"}
    assert {oid for oid, (_, s) in mine.items() if s == "PAID"} <= {o["id"] for o in paid}
    assert not {oid for oid, (_, s) in mine.items() if s != "PAID"} & {o["id"] for o in paid}
    pending, _ = walk(list_orders, 100, status="PENDING_PAYMENT")
    assert {oid for oid, (_, s) in mine.items() if s == "PENDING_PAYMENT"} <= {o["id"] for o in pending}
    moved = place("2026-06-20T00:00:00.000Z", paid=True)
    assert moved in {o["id"] for o in walk(list_orders, 100, status="PAID")[0]}
    history = store().order_history(moved)
    assert history is not None
    aggregate = OrderAggregate(history.order)
    aggregate.cancel("ADMIN", "2026-06-21T00:00:00.000Z", EventActor("root", "admin"), 0)
    store().commit(OrderChange(aggregate.state, aggregate.pending, aggregate.base_version))
    assert moved not in {o["id"] for o in walk(list_orders, 100, status="PAID")[0]}
    assert moved in {o["id"] for o in walk(list_orders, 100, status="CANCELLED")[0]}


def test_bad_queries_are_400_and_only_admins_may_list(list_orders, mine):
    status_cursor = list_orders({"status": "PAID", "limit": "1"})[1]["next_cursor"]
    assert status_cursor is not None
    for query in (
        {"status": "paid"},
        {"status": "REFUNDED"},
        {"limit": "0"},
        {"limit": "101"},
        {"cursor": "garbage"},
        {"cursor": status_cursor},  # a cursor of the PAID list does not resume the full list
        {"status": "SHIPPED", "cursor": status_cursor},
    ):
        status, body = list_orders(query)
        assert status == 400 and body["error"]["code"] == "VALIDATION_ERROR", query
    for role, expected in (("guest", 403), ("customer", 403), (None, 401)):
        assert list_orders({}, role=role)[0] == expected, role
