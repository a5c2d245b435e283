"""Order data at rest and on the bus, on the emulator, through the real handlers.

The shipping address is in no raw item of OrdersTable or IdempotencyTable and in no bus message,
yet the owner reads it back from the order routes. A payment's idempotency record holds neither
the CVC nor an unkeyed hash of the request: its fingerprint is an HMAC under the server's secret
over the request without the CVC, and replays still answer as API.md says.
"""

import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import replace
from typing import Any

import boto3
import pytest

from shop.adapters.aws import client
from shop.config import settings
from shop_local.event_mappings.sources import StreamSource, template_event_sources
from shop_local.event_mappings.stream_poller import StreamPoller
from shop_local.lambda_runtime.containers import Functions

pytestmark = pytest.mark.integration
STREET, CITY, POSTCODE = "221B Privet Lane", "Little Whinging", "PV4 2RD"
ADDRESS = {"name": "Harriet Potts", "line1": STREET, "city": CITY, "postal_code": POSTCODE, "country": "GB"}
CVC = "7391"
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": CVC}
SAMPLES = {
    "CheckoutFunction": "orders/checkout.json",
    "PayOrderFunction": "orders/pay_order.json",
    "GetOrderFunction": "orders/get_order.json",
    "ListMyOrdersFunction": "orders/list_my_orders.json",
    "ListOrderEventsFunction": "orders/list_order_events.json",
    "AddCartItemFunction": "cart/add_cart_item.json",
}


@pytest.fixture(scope="module")
def call(handler_calls):
    return handler_calls(SAMPLES)


@pytest.fixture(scope="module")
def lamp(call, stocked_product):
    return stocked_product(call, 5, "priv")


@pytest.fixture
def buyer(call, lamp):
    """A customer with one lamp in the cart."""
    user = f"u_{uuid.uuid4().hex}"
    added = call("AddCartItemFunction", user=user, role="customer", body={"product_id": lamp, "quantity": 1})
    assert added[0] == 200
    return user


def raw_items(table: str, **key_condition: str) -> str:
    """Every raw item of one partition, as the table (or a backup, or a stream) holds it."""
    ((name, value),) = key_condition.items()
    items = client("dynamodb").query(
        TableName=table,
        KeyConditionExpression=f"{name} = :v",
        ExpressionAttributeValues={":v": {"S": value}},
        ConsistentRead=True,
    )["Items"]
    assert items
    return repr(items)


def idempotency_record(user: str, operation: str, key: str) -> dict[str, Any]:
    record_id = f"{operation}#{user}#{hashlib.sha256(key.encode()).hexdigest()}"
    item = client("dynamodb").get_item(
        TableName=settings().idempotency_table, Key={"id": {"S": record_id}}, ConsistentRead=True
    )["Item"]
    return dict(item)


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def test_the_address_is_sealed_at_rest_kept_off_the_bus_and_shown_to_its_owner(stack, call, buyer):
    (source,) = [
        s
        for s in template_event_sources(stack.template, stack.resolve)
        if s.function_id == "OrderEventsPublisherFunction"
    ]
    assert isinstance(source, StreamSource)
    publisher = Functions([stack.function("OrderEventsPublisherFunction")])
    poller = StreamPoller(
        replace(source, starting_position="LATEST"),
        publisher.invoke,
        stack.client,
        stack.account_id,
        stack.region,
        threading.Event(),
    )
    poller.poll_once()  # positions the poller at the stream's end before this test writes
    key = uuid.uuid4().hex
    status, order = call(
        "CheckoutFunction", user=buyer, role="customer", key=key, body={"shipping_address": ADDRESS}
    )
    assert status == 201 and order["shipping_address"]["line1"] == STREET

    stored = raw_items(settings().orders_table, pk=f"ORDER#{order['id']}")
    assert "shipping_address_enc" in stored
    for secret in (STREET, CITY, POSTCODE, "Harriet"):
        assert secret not in stored, f"{secret!r} is in clear in OrdersTable"
        assert secret not in repr(idempotency_record(buyer, "checkout", key)), "in clear in IdempotencyTable"

    owner = {"user": buyer, "role": "customer", "path": {"id": order["id"]}}
    assert call("GetOrderFunction", **owner)[1]["shipping_address"] == order["shipping_address"]
    assert (
        call("ListMyOrdersFunction", user=buyer, role="customer")[1]["items"][0]["shipping_address"]["city"]
        == CITY
    )
    events = call("ListOrderEventsFunction", **owner)[1]["items"]
    assert events[0]["data"]["shipping_address"]["postal_code"] == POSTCODE
    replayed = call(
        "CheckoutFunction", user=buyer, role="customer", key=key, body={"shipping_address": ADDRESS}
    )
    assert replayed == (201, order)  # the sealed stored answer opens for the replay

    while poller.poll_once():
        pass
    sqs, bodies = boto3.client("sqs"), []
    for queue in ("SalesStatsQueue", "NotificationsQueue"):
        url = stack.physical_id(queue)
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                if order["id"] in message["Body"]:
                    bodies.append(message["Body"])
    assert len(bodies) == 2  # order_created, to both consumers
    for body in bodies:
        assert json.loads(body)["type"] == "order_created"
        for secret in (STREET, CITY, POSTCODE, "Harriet", "shipping_address"):
            assert secret not in body, f"{secret!r} went on the bus"


def test_a_payment_record_keeps_neither_the_cvc_nor_an_unkeyed_hash_and_replays_as_before(stack, call, buyer):
    order = call(
        "CheckoutFunction",
        user=buyer,
        role="customer",
        key=uuid.uuid4().hex,
        body={"shipping_address": ADDRESS},
    )[1]
    key, owner = f"pay-{uuid.uuid4().hex}", {"user": buyer, "role": "customer", "path": {"id": order["id"]}}
    first = call("PayOrderFunction", **owner, key=key, body=CARD)
    assert first[0] == 200 and first[1]["order"]["status"] == "PAID"

    record = idempotency_record(buyer, "pay", key)
    stored = {
        "id",
        "status",
        "expiration",
        "fingerprint",
        "response_status",
        "body_zenc",
        "response_key",
    }
    assert set(record) == stored  # no request field is kept, and the answer is sealed (no body_z)
    with_cvc = canonical({"op": "pay", "request": {"order_id": order["id"], "body": CARD}})
    fingerprint = record["fingerprint"]["S"]
    assert fingerprint not in {
        hashlib.sha256(with_cvc).hexdigest(),
        hmac.new(key.encode(), with_cvc, "sha256").hexdigest(),
    }
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=settings().idempotency_secret)[
        "SecretString"
    ]
    without_cvc = {k: v for k, v in CARD.items() if k != "cvc"}
    expected = canonical({"op": "pay", "request": {"order_id": order["id"], "body": without_cvc}})
    assert fingerprint == hmac.new(secret.encode(), expected, "sha256").hexdigest()

    assert call("PayOrderFunction", **owner, key=key, body=CARD) == first  # same body: the same answer
    other = call("PayOrderFunction", **owner, key=key, body=CARD | {"exp_year": 2036})
    assert (other[0], other[1]["error"]["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
