"""The buyer's journey over HTTP, exactly as a client reads API.md: cart, checkout, pay, events, cancel.

Needs from tests/e2e/conftest.py: `shop_url` (a running local shop) and `admin_token`.
"""

import time
import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e
TIMEOUT = 30
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}


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
    """An ACTIVE product with 10 in stock, made by the admin through the API."""
    tag = uuid.uuid4().hex[:8]
    category = api(
        "POST", "/categories", admin_token, json={"name": "Teapots", "slug": f"teapots-{tag}"}
    ).json()
    body = {
        "sku": f"TEA-{tag}",
        "name": "Teapot",
        "price_cents": 1999,
        "category_id": category["id"],
        "status": "ACTIVE",
    }
    made = api("POST", "/products", admin_token, json=body).json()
    adjusted = api(
        "POST", f"/admin/inventory/{made['id']}/adjustments", admin_token, json={"delta": 10, "reason": "e2e"}
    )
    assert adjusted.status_code == 200
    return made["id"]


def customer(api):
    email = f"buyer-{uuid.uuid4().hex[:8]}@example.com"
    answer = api(
        "POST", "/auth/register", json={"email": email, "password": "correct horse battery", "name": "Buyer"}
    )
    assert answer.status_code == 201
    return answer.json()["access_token"]


def levels(api, admin_token, product_id):
    answer = api("GET", f"/admin/inventory/{product_id}", admin_token).json()
    return answer["available"], answer["reserved"], answer["sold"]


def eventually(read, done, seconds=30.0):
    """`read()` again until `done` holds of its answer or `seconds` pass: for what a background
    consumer does after the request (the refund). The caller asserts on the last answer."""
    deadline, answer = time.monotonic() + seconds, read()
    while not done(answer) and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = read()
    return answer


def checkout(api, token, key=None, body=None):
    return api(
        "POST", "/checkout", token, key or uuid.uuid4().hex, json=body or {"shipping_address": ADDRESS}
    )


def test_the_full_buyer_journey(api, admin_token, product):
    before = levels(api, admin_token, product)
    token = customer(api)
    assert api("POST", "/cart/items", token, json={"product_id": product, "quantity": 2}).status_code == 200
    created = checkout(api, token, key="journey")
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["status"] == "PENDING_PAYMENT" and order["total_cents"] == 2 * 1999 + 499
    assert levels(api, admin_token, product) == (before[0] - 2, before[1] + 2, before[2])
    assert checkout(api, token, key="journey").json() == order  # replayed
    assert api("GET", "/cart", token).json()["items"] == []

    pay = f"/orders/{order['id']}/payments"
    failed = api("POST", pay, token, "pay-1", json=CARD | {"card_number": "4000000000000002"})
    assert failed.status_code == 200 and failed.json()["payment"]["status"] == "FAILED"
    assert failed.json()["payment"]["failure_reason"] == "card_declined"
    assert failed.json()["order"]["status"] == "PENDING_PAYMENT"
    paid = api("POST", pay, token, "pay-2", json=CARD)
    assert paid.status_code == 200 and paid.json()["order"]["status"] == "PAID"
    assert paid.json()["payment"] | {"id": "", "created_at": ""} == {
        "id": "",
        "order_id": order["id"],
        "status": "SUCCEEDED",
        "amount_cents": order["total_cents"],
        "currency": "USD",
        "card_brand": "visa",
        "card_last4": "4242",
        "failure_reason": None,
        "created_at": "",
    }
    assert levels(api, admin_token, product) == (before[0] - 2, before[1], before[2] + 2)

    listed = api("GET", "/orders", token).json()
    assert [o["id"] for o in listed["items"]] == [order["id"]] and listed["next_cursor"] is None
    cancelled = api("POST", f"/orders/{order['id']}/cancel", token)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    assert levels(api, admin_token, product) == before  # the stock is back at once
    seen = []

    def payment_statuses():
        statuses = [p["status"] for p in api("GET", pay, token).json()["items"]]
        seen.append(statuses[-1])
        return statuses

    # the refund goes to the gateway after the commit: REFUND_PENDING, then REFUNDED
    assert eventually(payment_statuses, lambda s: s[-1] == "REFUNDED") == ["FAILED", "REFUNDED"]
    assert set(seen) <= {"REFUND_PENDING", "REFUNDED"}
    events = api("GET", f"/orders/{order['id']}/events", token).json()["items"]
    assert [(e["seq"], e["type"]) for e in events] == [
        (1, "order_created"),
        (2, "payment_failed"),
        (3, "payment_succeeded"),
        (4, "order_cancelled"),
        (5, "payment_refunded"),
    ]
    assert events[4]["data"]["amount_cents"] == order["total_cents"]
    current = api("GET", f"/orders/{order['id']}", token).json()
    assert current == cancelled.json() | {"updated_at": events[4]["occurred_at"]}
    assert set(events[0]) == {"seq", "type", "occurred_at", "actor", "data"}
    assert levels(api, admin_token, product) == before
    again = api("POST", f"/orders/{order['id']}/cancel", token)
    assert again.status_code == 409 and again.json()["error"]["code"] == "INVALID_TRANSITION"


def test_another_users_order_is_404_everywhere(api, admin_token, product):
    owner, stranger = customer(api), customer(api)
    api("POST", "/cart/items", owner, json={"product_id": product, "quantity": 1})
    order = checkout(api, owner).json()
    base = f"/orders/{order['id']}"
    for method, path, extra in (
        ("GET", base, {}),
        ("GET", f"{base}/events", {}),
        ("GET", f"{base}/payments", {}),
        ("POST", f"{base}/cancel", {}),
        ("POST", f"{base}/payments", {"key": "k", "json": CARD}),
    ):
        answer = api(method, path, stranger, **extra)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "NOT_FOUND", path
    assert api("GET", base, admin_token).status_code == 200
    assert api("POST", f"{base}/cancel", owner).status_code == 200


def test_guests_cannot_check_out_and_bodies_cannot_set_money_or_owners(api, product):
    guest = api("POST", "/auth/guest").json()["access_token"]
    api("POST", "/cart/items", guest, json={"product_id": product, "quantity": 1})
    refused = checkout(api, guest)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "LOGIN_REQUIRED"
    token = customer(api)
    api("POST", "/cart/items", token, json={"product_id": product, "quantity": 1})
    for extra in ({"price_cents": 1}, {"status": "PAID"}, {"user_id": "someone"}):
        answer = checkout(api, token, body={"shipping_address": ADDRESS, **extra})
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "VALIDATION_ERROR"
    missing_key = api("POST", "/checkout", token, json={"shipping_address": ADDRESS})
    assert missing_key.status_code == 400
    assert checkout(api, token, body={"shipping_address": ADDRESS | {"country": "ZZ"}}).status_code == 400
    order = checkout(api, token, key="mine").json()
    other_body = checkout(api, token, key="mine", body={"shipping_address": ADDRESS | {"city": "Bath"}})
    assert other_body.status_code == 422 and other_body.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    pay = f"/orders/{order['id']}/payments"
    for extra in ({"amount_cents": 1}, {"status": "SUCCEEDED"}, {"card_number": "4242424242424241"}):
        answer = api("POST", pay, token, uuid.uuid4().hex, json=CARD | extra)
        assert answer.status_code == 400 and "4242424242424241" not in answer.text
    api("POST", f"/orders/{order['id']}/cancel", token)
