"""Fulfilment over HTTP, as a client reads API.md: a paid order shipped, tracked and delivered by an
admin; the owner follows it; the customer's emails arrive; every admin write is audited.

Needs from tests/e2e/conftest.py: `local_shop` (for the emulator's SES outbox), `shop_url`, `admin_token`.
"""

import time
import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e
TIMEOUT = 30
MAIL_WAIT_SECONDS = 15
PASSWORD = "correct horse battery"
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
SHIPMENT_FIELDS = {
    "id",
    "order_id",
    "carrier",
    "tracking_number",
    "status",
    "events",
    "created_at",
    "updated_at",
}


@pytest.fixture(scope="module")
def api(shop_url):
    def call(method, path, token=None, key=None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if key:
            headers["Idempotency-Key"] = key
        answer = requests.request(method, shop_url + path, headers=headers, timeout=TIMEOUT, **kwargs)
        assert answer.headers.get("X-Request-Id")
        return answer

    return call


@pytest.fixture(scope="module")
def product(api, admin_token):
    tag = uuid.uuid4().hex[:8]
    category = api(
        "POST", "/categories", admin_token, json={"name": "Kettles", "slug": f"kettles-{tag}"}
    ).json()
    body = {
        "sku": f"KET-{tag}",
        "name": "Kettle",
        "price_cents": 3500,
        "category_id": category["id"],
        "status": "ACTIVE",
    }
    made = api("POST", "/products", admin_token, json=body).json()
    stock = {"delta": 20, "reason": "e2e fulfilment"}
    assert (
        api("POST", f"/admin/inventory/{made['id']}/adjustments", admin_token, json=stock).status_code == 200
    )
    return made["id"]


def register(api):
    email = f"receiver-{uuid.uuid4().hex[:8]}@example.com"
    answer = api("POST", "/auth/register", json={"email": email, "password": PASSWORD, "name": "Receiver"})
    assert answer.status_code == 201
    return email, answer.json()["access_token"]


def paid_order(api, token, product):
    assert api("POST", "/cart/items", token, json={"product_id": product, "quantity": 2}).status_code == 200
    order = api("POST", "/checkout", token, uuid.uuid4().hex, json={"shipping_address": ADDRESS}).json()
    paid = api("POST", f"/orders/{order['id']}/payments", token, uuid.uuid4().hex, json=CARD)
    assert paid.status_code == 200 and paid.json()["order"]["status"] == "PAID"
    return order["id"]


def mails_to(local_shop, email, subjects):
    """The mails sent to `email`, waiting (delivery is asynchronous) until every subject is there."""
    deadline, found = time.monotonic() + MAIL_WAIT_SECONDS, []
    while time.monotonic() < deadline:
        outbox = requests.get(f"{local_shop.emulator_url}/_aws/ses", timeout=TIMEOUT).json()["messages"]
        found = [m for m in outbox if email in (m.get("Destination") or {}).get("ToAddresses", [])]
        if subjects <= {m.get("Subject") for m in found}:
            return found
        time.sleep(0.5)
    return found


def audited(api, admin_token, action, target_id):
    answer = api("GET", "/admin/audit", admin_token, params={"action": action, "limit": 100})
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json()["items"] if e["target_id"] == target_id]


def test_a_paid_order_is_shipped_and_delivered(api, admin_token, product, local_shop):
    email, owner = register(api)
    _, stranger = register(api)
    order_id = paid_order(api, owner, product)
    assert api("GET", f"/orders/{order_id}/shipment", owner).status_code == 404  # not shipped yet

    created = api("POST", f"/admin/orders/{order_id}/shipments", admin_token, json={"carrier": "Royal Mail"})
    assert created.status_code == 201, created.text
    shipment = created.json()
    assert set(shipment) == SHIPMENT_FIELDS and shipment["status"] == "LABEL_CREATED"
    assert api("GET", f"/orders/{order_id}", owner).json()["status"] == "SHIPPED"
    again = api("POST", f"/admin/orders/{order_id}/shipments", admin_token, json={"carrier": "DHL"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "INVALID_TRANSITION"

    tracking = f"/admin/shipments/{shipment['id']}/tracking"
    moves = [
        {"status": "IN_TRANSIT", "location": "Croydon depot"},
        {"status": "OUT_FOR_DELIVERY", "location": "London", "note": "Van 12"},
        {"status": "DELIVERED", "note": "Left with neighbour"},
    ]
    for move in moves:
        assert api("POST", tracking, admin_token, json=move).status_code == 200, move
    late = api("POST", tracking, admin_token, json={"status": "IN_TRANSIT"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "INVALID_TRANSITION"

    seen = api("GET", f"/orders/{order_id}/shipment", owner)
    assert seen.status_code == 200
    assert [(e["status"], e["location"], e["note"]) for e in seen.json()["events"]] == [
        ("LABEL_CREATED", None, None),
        ("IN_TRANSIT", "Croydon depot", None),
        ("OUT_FOR_DELIVERY", "London", "Van 12"),
        ("DELIVERED", None, "Left with neighbour"),
    ]
    assert seen.json()["tracking_number"] == shipment["tracking_number"]
    assert api("GET", f"/orders/{order_id}/shipment", admin_token).json() == seen.json()
    other = api("GET", f"/orders/{order_id}/shipment", stranger)
    assert other.status_code == 404 and other.json()["error"]["code"] == "NOT_FOUND"
    assert api("GET", f"/orders/{order_id}", owner).json()["status"] == "DELIVERED"
    events = api("GET", f"/orders/{order_id}/events", owner).json()["items"]
    assert [(e["seq"], e["type"]) for e in events] == [
        (1, "order_created"),
        (2, "payment_succeeded"),
        (3, "shipment_created"),
        (4, "shipment_updated"),
        (5, "shipment_updated"),
        (6, "shipment_updated"),
        (7, "order_delivered"),
    ]
    delivered = api("GET", "/admin/orders", admin_token, params={"status": "DELIVERED", "limit": 100}).json()
    assert order_id in [o["id"] for o in delivered["items"]]
    everything = api("GET", "/admin/orders", admin_token, params={"limit": 100}).json()
    assert order_id in [o["id"] for o in everything["items"]]

    assert [e["actor_role"] for e in audited(api, admin_token, "shipment.created", shipment["id"])] == [
        "admin"
    ]
    assert len(audited(api, admin_token, "shipment.tracking_updated", shipment["id"])) == 3

    subjects = {
        f"We received your order {order_id}",
        f"Payment receipt for order {order_id}",
        f"Your order {order_id} is on its way",
        f"Your order {order_id} was delivered",
    }
    mails = mails_to(local_shop, email, subjects)
    assert sorted(m["Subject"] for m in mails) == sorted(subjects)
    (shipped,) = [m for m in mails if m["Subject"] == f"Your order {order_id} is on its way"]
    assert shipment["tracking_number"] in shipped["Body"]["text_part"]


def test_every_shipping_and_admin_order_route_is_refused_to_guests_customers_and_no_token(api, shop_url):
    guest = api("POST", "/auth/guest").json()["access_token"]
    _, customer = register(api)
    routes = [
        ("POST", "/admin/orders/some-order/shipments", {"json": {"carrier": "DHL"}}),
        ("POST", "/admin/shipments/some-shipment/tracking", {"json": {"status": "IN_TRANSIT"}}),
        ("GET", "/admin/orders", {}),
        ("GET", "/admin/orders?status=PAID", {}),
    ]
    for method, path, extra in routes:
        for token, expected in ((guest, 403), (customer, 403), (None, 401)):
            answer = api(method, path, token, **extra)
            assert answer.status_code == expected, (path, expected, answer.text)
            assert answer.json()["error"]["code"] == {403: "FORBIDDEN", 401: "UNAUTHORIZED"}[expected]
    assert api("GET", "/orders/some-order/shipment").status_code == 401
