"""`SHOP_RESERVATION_TTL_SECONDS` reaches the local stack: with a short window, an order nobody pays
is cancelled by the scheduled sweep (reason RESERVATION_EXPIRED) and its stock comes back.

The shop is one of its own (the session's shop keeps the 15-minute default). The sweep runs once a
minute from start-up, as its EventBridge rule does, so the test polls up to a deadline that covers
two sweeps; nothing is asserted about how long it took.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest

pytestmark = pytest.mark.e2e
T = TypeVar("T")

WINDOW_SECONDS = 2
DEADLINE_SECONDS = 180
ADDRESS = {"name": "Ada", "line1": "1 Late Lane", "city": "Leeds", "postal_code": "LS1 1AA", "country": "GB"}
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}


@pytest.fixture(scope="module")
def shop(shop_with_settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    settings = {"SHOP_RESERVATION_TTL_SECONDS": str(WINDOW_SECONDS), "SHOP_SEED": "1"}
    with shop_with_settings(tmp_path_factory.mktemp("short-reservations"), settings) as running:
        yield running


def _poll(read: Callable[[], T], done: Callable[[T], bool]) -> T:
    """`read()` until `done` says so or the deadline passes; the last value either way."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(1)
        value = read()
    return value


def test_an_unpaid_order_expires_and_its_stock_comes_back(shop: Any) -> None:
    listed = shop.request("GET", "/products?limit=1")
    assert listed.status == 200, listed.body
    product = listed.json()["items"][0]

    def stock() -> int:
        answer = shop.request("GET", f"/products/{product['id']}")
        assert answer.status == 200, answer.body
        return int(answer.json()["stock_available"])

    before = stock()
    session = shop.register(f"never-pays-{uuid.uuid4().hex[:8]}@example.com", "a password for a late buyer")
    auth = {"Authorization": f"Bearer {session['access_token']}"}
    added = shop.request("POST", "/cart/items", {"product_id": product["id"], "quantity": 2}, auth)
    assert added.status == 200, added.body
    key = {"Idempotency-Key": uuid.uuid4().hex}
    checkout = shop.request("POST", "/checkout", {"shipping_address": ADDRESS}, {**auth, **key})
    assert checkout.status == 201, checkout.body
    order = checkout.json()
    window = datetime.fromisoformat(order["reservation_expires_at"]) - datetime.fromisoformat(
        order["created_at"]
    )
    assert window == timedelta(seconds=WINDOW_SECONDS)
    assert _poll(stock, lambda level: level == before - 2) == before - 2

    def current() -> dict[str, Any]:
        answer = shop.request("GET", f"/orders/{order['id']}", headers=auth)
        assert answer.status == 200, answer.body
        return dict(answer.json())

    expired = _poll(current, lambda seen: seen["status"] != "PENDING_PAYMENT")
    assert expired["status"] == "CANCELLED", f"still {expired['status']} after {DEADLINE_SECONDS} s"
    events = shop.request("GET", f"/orders/{order['id']}/events", headers=auth).json()["items"]
    assert [event["type"] for event in events] == ["order_created", "order_cancelled"]
    assert events[-1]["data"]["reason"] == "RESERVATION_EXPIRED"
    assert events[-1]["actor"]["role"] == "system"
    assert _poll(stock, lambda level: level == before) == before

    late = {"Idempotency-Key": uuid.uuid4().hex}
    payment = shop.request("POST", f"/orders/{order['id']}/payments", CARD, {**auth, **late})
    assert payment.status == 409, payment.body
    assert payment.json()["error"]["code"] == "INVALID_TRANSITION"
