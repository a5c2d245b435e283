"""A customer's emails over the whole local shop: checkout and payment -> confirmation and receipt in SES.

Needs from tests/e2e/conftest.py: `local_shop` (its emulator's `/_aws/ses` outbox) and `admin_token`.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

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


def call(shop_url: str, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers |= kwargs.pop("headers", {})
    return requests.request(method, shop_url + path, headers=headers, timeout=TIMEOUT, **kwargs)


def mails_to(emulator_url: str, address: str) -> list[dict[str, Any]]:
    messages = requests.get(f"{emulator_url}/_aws/ses", timeout=TIMEOUT).json()["messages"]
    return [m for m in messages if address in m.get("Destination", {}).get("ToAddresses", [])]


def wait_for_mails(
    emulator_url: str, address: str, count: int, seconds: float = 20.0
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while True:
        found = mails_to(emulator_url, address)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_checkout_and_payment_email_the_customer_a_confirmation_and_a_receipt(local_shop, admin_token):
    url = local_shop.url
    tag = uuid.uuid4().hex[:8]
    category = call(
        url, "POST", "/categories", admin_token, json={"name": "Mugs", "slug": f"mugs-{tag}"}
    ).json()
    product = call(
        url,
        "POST",
        "/products",
        admin_token,
        json={
            "sku": f"MUG-{tag}",
            "name": "Mug <Deluxe>",
            "price_cents": 2500,
            "category_id": category["id"],
            "status": "ACTIVE",
        },
    ).json()
    call(
        url,
        "POST",
        f"/admin/inventory/{product['id']}/adjustments",
        admin_token,
        json={"delta": 5, "reason": "e2e"},
    )

    email = f"mail-{tag}@example.com"
    registered = call(
        url,
        "POST",
        "/auth/register",
        json={"email": email, "password": "correct horse battery", "name": "Ada & co"},
    )
    assert registered.status_code == 201
    token = registered.json()["access_token"]
    assert (
        call(url, "POST", "/cart/items", token, json={"product_id": product["id"], "quantity": 2}).status_code
        == 200
    )
    order = call(
        url, "POST", "/checkout", token, headers={"Idempotency-Key": tag}, json={"shipping_address": ADDRESS}
    ).json()
    paid = call(
        url,
        "POST",
        f"/orders/{order['id']}/payments",
        token,
        headers={"Idempotency-Key": f"pay-{tag}"},
        json=CARD,
    )
    assert paid.status_code == 200 and paid.json()["order"]["status"] == "PAID"

    mails = wait_for_mails(local_shop.emulator_url, email, 2)
    subjects = sorted(m["Subject"] for m in mails)
    assert subjects == [f"Payment receipt for order {order['id']}", f"We received your order {order['id']}"]
    for mail in mails:
        assert "Ada & co" in mail["Body"]["text_part"] and "Ada &amp; co" in mail["Body"]["html_part"]
        assert (
            "Mug &lt;Deluxe&gt;" in mail["Body"]["html_part"] and "<Deluxe>" not in mail["Body"]["html_part"]
        )
        assert "2 x Mug <Deluxe> ($25.00 each)  $50.00" in mail["Body"]["text_part"]
    receipt = next(m for m in mails if m["Subject"].startswith("Payment receipt"))
    assert "Total paid: $50.00" in receipt["Body"]["text_part"]
    time.sleep(1.0)
    assert len(mails_to(local_shop.emulator_url, email)) == 2  # one email per event, no more


def test_shipping_and_delivery_email_the_carrier_and_tracking_number(local_shop, admin_token):
    url, tag = local_shop.url, uuid.uuid4().hex[:8]
    category = call(
        url, "POST", "/categories", admin_token, json={"name": "Lamps", "slug": f"lamps-{tag}"}
    ).json()
    body = {
        "sku": f"LMP-{tag}",
        "name": "Desk lamp",
        "price_cents": 1999,
        "category_id": category["id"],
        "status": "ACTIVE",
    }
    product = call(url, "POST", "/products", admin_token, json=body).json()
    call(
        url,
        "POST",
        f"/admin/inventory/{product['id']}/adjustments",
        admin_token,
        json={"delta": 5, "reason": "e2e"},
    )
    email = f"ship-{tag}@example.com"
    token = call(
        url,
        "POST",
        "/auth/register",
        json={"email": email, "password": "correct horse battery", "name": "Grace"},
    ).json()["access_token"]
    call(url, "POST", "/cart/items", token, json={"product_id": product["id"], "quantity": 1})
    order = call(
        url, "POST", "/checkout", token, headers={"Idempotency-Key": tag}, json={"shipping_address": ADDRESS}
    ).json()
    call(
        url,
        "POST",
        f"/orders/{order['id']}/payments",
        token,
        headers={"Idempotency-Key": f"p-{tag}"},
        json=CARD,
    )

    shipped = call(
        url, "POST", f"/admin/orders/{order['id']}/shipments", admin_token, json={"carrier": "DHL"}
    )
    assert shipped.status_code == 201, shipped.text
    shipment = shipped.json()
    for status in ("IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"):
        moved = call(
            url, "POST", f"/admin/shipments/{shipment['id']}/tracking", admin_token, json={"status": status}
        )
        assert moved.status_code == 200, moved.text

    mails = {m["Subject"]: m for m in wait_for_mails(local_shop.emulator_url, email, 4)}
    assert sorted(mails) == sorted(
        [
            f"We received your order {order['id']}",
            f"Payment receipt for order {order['id']}",
            f"Your order {order['id']} is on its way",
            f"Your order {order['id']} was delivered",
        ]
    )
    on_its_way = mails[f"Your order {order['id']} is on its way"]["Body"]["text_part"]
    assert "DHL" in on_its_way and shipment["tracking_number"] in on_its_way and "$24.98" in on_its_way
    assert (
        shipment["tracking_number"] in mails[f"Your order {order['id']} was delivered"]["Body"]["html_part"]
    )
