"""GET /admin/stats/sales over the whole local shop, after paid, unpaid-cancelled and refunded orders.

Needs from tests/e2e/conftest.py: `local_shop` and `admin_token`. Other tests share the shop, so the
totals are compared as differences, and the product (new here) is compared exactly. Redelivery is
simulated the only way a client cannot: the committed events are published to the topic again.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import requests
from boto3.dynamodb.types import TypeDeserializer

from shop.adapters.sns_publisher import publish_entry
from shop.domain.bus_messages import bus_message_from_order_event

pytestmark = pytest.mark.e2e
TIMEOUT = 30
PRICE = 90_000  # above the free-shipping threshold: the order's total is its price
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}


def redeliver(emulator_url: str, order_ids: list[str]) -> int:
    """Publish every committed event of these orders to the order events topic once more."""
    aws: dict[str, Any] = {"endpoint_url": emulator_url, "region_name": "us-east-1"}
    aws |= {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    dynamodb, sns = boto3.client("dynamodb", **aws), boto3.client("sns", **aws)
    table = next(t for t in dynamodb.list_tables()["TableNames"] if t.endswith("OrdersTable"))
    topic = next(
        t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith("OrderEventsTopic")
    )
    deserialize, sent = TypeDeserializer().deserialize, 0
    for order_id in order_ids:
        items = dynamodb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :events)",
            ExpressionAttributeValues={":pk": {"S": f"ORDER#{order_id}"}, ":events": {"S": "EVENT#"}},
        )["Items"]
        for item in items:
            entry = publish_entry(
                "m", bus_message_from_order_event({k: deserialize(v) for k, v in item.items()})
            )
            sns.publish(
                TopicArn=topic, Message=entry["Message"], MessageAttributes=entry["MessageAttributes"]
            )
            sent += 1
    return sent


def drained(emulator_url: str, queue_suffix: str = "SalesStatsQueue", seconds: float = 20.0) -> bool:
    """True once the queue holds no message, visible or in flight (the consumer took them all)."""
    aws: dict[str, Any] = {"endpoint_url": emulator_url, "region_name": "us-east-1"}
    sqs: Any = boto3.client("sqs", aws_access_key_id="test", aws_secret_access_key="test", **aws)
    url = next(u for u in sqs.list_queues()["QueueUrls"] if u.endswith(queue_suffix))
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        if all(counts[name] == "0" for name in names):
            return True
        time.sleep(0.3)
    return False


@pytest.fixture(scope="module")
def api(shop_url):
    def call(method: str, path: str, token: str | None = None, key: str | None = None, **kwargs: Any):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if key:
            headers["Idempotency-Key"] = key
        return requests.request(method, shop_url + path, headers=headers, timeout=TIMEOUT, **kwargs)

    return call


def stats(api, admin_token) -> dict[str, Any]:
    today = datetime.now(UTC).date().isoformat()
    answer = api("GET", f"/admin/stats/sales?from={today}&to={today}", admin_token)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def settled(api, admin_token, seconds: float = 15.0) -> dict[str, Any]:
    """The statistics once two reads a second apart agree (earlier tests' events have landed)."""
    last, deadline = stats(api, admin_token), time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(1.0)
        current = stats(api, admin_token)
        if current == last:
            return current
        last = current
    return last


def test_statistics_count_paid_orders_net_of_refunds_also_when_every_event_comes_twice(
    api, admin_token, local_shop
):
    tag = uuid.uuid4().hex[:8]
    category = api(
        "POST", "/categories", admin_token, json={"name": "Clocks", "slug": f"clocks-{tag}"}
    ).json()
    body = {
        "sku": f"CLK-{tag}",
        "name": "Grandfather clock",
        "price_cents": PRICE,
        "category_id": category["id"],
        "status": "ACTIVE",
    }
    product = api("POST", "/products", admin_token, json=body).json()["id"]
    api("POST", f"/admin/inventory/{product}/adjustments", admin_token, json={"delta": 10, "reason": "e2e"})
    before = settled(api, admin_token)

    def order(pay: bool, cancel: bool) -> str:
        email = f"stats-{uuid.uuid4().hex[:8]}@example.com"
        token = api(
            "POST", "/auth/register", json={"email": email, "password": "correct horse battery", "name": "S"}
        ).json()["access_token"]
        api("POST", "/cart/items", token, json={"product_id": product, "quantity": 1})
        made = api("POST", "/checkout", token, uuid.uuid4().hex, json={"shipping_address": ADDRESS}).json()
        if pay:
            assert (
                api("POST", f"/orders/{made['id']}/payments", token, uuid.uuid4().hex, json=CARD).status_code
                == 200
            )
        if cancel:
            assert api("POST", f"/orders/{made['id']}/cancel", token).status_code == 200
        return str(made["id"])

    orders = [
        order(pay=True, cancel=False),
        order(pay=True, cancel=False),
        order(pay=True, cancel=True),  # refunded by the refunds consumer: counted until then
        order(pay=False, cancel=True),  # never paid
    ]

    deadline, after = time.monotonic() + 30, before
    while time.monotonic() < deadline:
        after = stats(api, admin_token)
        mine = [p for p in after["top_products"] if p["product_id"] == product]
        if mine == [
            {"product_id": product, "name": "Grandfather clock", "units": 2, "revenue_cents": 2 * PRICE}
        ] and (after["by_status"]["CANCELLED"] - before["by_status"]["CANCELLED"] >= 2):
            break
        time.sleep(0.5)
    assert [p for p in after["top_products"] if p["product_id"] == product] == [
        {"product_id": product, "name": "Grandfather clock", "units": 2, "revenue_cents": 2 * PRICE}
    ]
    assert after["orders_count"] - before["orders_count"] == 2
    assert after["revenue_cents"] - before["revenue_cents"] == 2 * PRICE
    assert after["by_status"]["PAID"] - before["by_status"]["PAID"] == 2
    assert after["by_status"]["CANCELLED"] - before["by_status"]["CANCELLED"] == 2
    # created+paid twice, created+paid+cancelled+refunded, created+cancelled
    assert redeliver(local_shop.emulator_url, orders) == 2 * 2 + 4 + 2
    assert drained(local_shop.emulator_url)
    assert settled(api, admin_token) == after
    assert after["by_day"] == [
        {
            "date": datetime.now(UTC).date().isoformat(),
            "orders_count": after["orders_count"],
            "revenue_cents": after["revenue_cents"],
        }
    ]


def test_only_admins_read_statistics(api):
    guest = api("POST", "/auth/guest").json()["access_token"]
    assert api("GET", "/admin/stats/sales", guest).status_code == 403
    assert api("GET", "/admin/stats/sales").status_code == 401
