"""The stored and published shape of orders and order events does not move with their types.

Each sample below is written out by hand as the shop has always stored it (not made by the code
under test), so an item read into the domain and written back must be the same item, keys in the
same order, for every kind of event; what the events API answers and the bus carries is that same
`data`. A trail written before the types existed reads back; data that is not its kind's is refused.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from shop.adapters.dynamo_codec import from_item, to_item
from shop.adapters.orders.orders_dynamo_items import event_from_item, event_item, order_from_item, order_item
from shop.api.order_models import EventResponse, OrderResponse
from shop.domain.bus_messages import BusMessage, bus_message_from_order_event
from shop.domain.order_event_data import OrderCancelled, OrderCreated, event_data_of_plain
from shop.domain.order_lines import PostalAddress
from shop.domain.order_plain import MalformedOrderData

LINE = {
    "product_id": "p1",
    "sku": "MUG-1",
    "name": "Mug",
    "unit_price_cents": 1250,
    "quantity": 2,
    "line_total_cents": 2500,
}
SHARDED_LINE = {**LINE, "product_id": "p2", "shards": [[3, 1], [0, 1]]}
LINES = [LINE, SHARDED_LINE]
CARD = {"card_brand": "visa", "card_last4": "4242"}
PAYMENT = {"payment_id": "pay1", "amount_cents": 5499, "currency": "USD", **CARD}
OWNER = {"user_id": "u1", "items": LINES, "total_cents": 5499}
ADDRESS = {
    "city": "London",
    "country": "GB",
    "line1": "1 Road",
    "line2": None,
    "name": "Ada",
    "postal_code": "N1",
}
CANCELLED = {
    "reason": "ADMIN",
    "previous_status": "PAID",
    "refund_pending": True,
    "refund_amount_cents": 5499,
    "user_id": "u1",
    "items": LINES,
    "total_cents": 5499,
    "currency": "USD",
    "refund_payment_id": "pay1",
}
DATA: dict[str, dict[str, Any]] = {
    "order_created": {
        "user_id": "u1",
        "items": LINES,
        "subtotal_cents": 5000,
        "shipping_cents": 499,
        "total_cents": 5499,
        "currency": "USD",
        "reservation_expires_at": "2030-01-01T00:15:00.000Z",
    },
    "payment_failed": {**PAYMENT, "failure_reason": "card_declined"},
    "payment_succeeded": {**PAYMENT, **OWNER},
    "order_cancelled": CANCELLED,
    "payment_refunded": {**PAYMENT, **OWNER},
    "shipment_created": {
        "shipment_id": "s1",
        "carrier": "UPS",
        "tracking_number": "1Z999",
        "status": "LABEL_CREATED",
        "user_id": "u1",
        "total_cents": 5499,
        "currency": "USD",
    },
    "shipment_updated": {
        "shipment_id": "s1",
        "status": "IN_TRANSIT",
        "location": None,
        "note": "left the depot",
        "user_id": "u1",
    },
    "order_delivered": {"shipment_id": "s1", "tracking_number": "1Z999", "user_id": "u1"},
}
OTHER_DATA = [
    ("order_cancelled", {**CANCELLED, "refund_pending": False, "refund_amount_cents": 0}),
    ("payment_failed", {**PAYMENT, "failure_reason": None}),
    ("order_created", {**DATA["order_created"], "items": [LINE]}),
]


def older_cancellation() -> dict[str, Any]:
    """A cancellation from before refunds had their own queue: it refunded the payment itself."""
    data: dict[str, Any] = {"reason": "CUSTOMER", "previous_status": "PAID", "refunded": True}
    return data | {
        k: CANCELLED[k] for k in ("refund_amount_cents", "user_id", "items", "total_cents", "currency")
    }


def stored_event(kind: str, data: dict[str, Any], seq: int = 2) -> dict[str, Any]:
    return to_item(
        {
            "pk": "ORDER#o1",
            "sk": f"EVENT#{seq:08d}",
            "entity": "order_event",
            "event_id": f"e{seq}",
            "order_id": "o1",
            "seq": seq,
            "type": kind,
            "occurred_at": "2030-01-01T00:01:00.000Z",
            "actor": {"id": "u1", "role": "customer"},
            "data": data,
        }
    )


def in_order(item: dict[str, Any]) -> str:
    """The item as text, keys in their order: equal texts are the same bytes on the wire."""
    return json.dumps(from_item(item))


SAMPLES = [*DATA.items(), *OTHER_DATA, ("order_cancelled", older_cancellation())]


@pytest.mark.parametrize(
    ("kind", "data"), SAMPLES, ids=[f"{kind}-{n}" for n, (kind, _) in enumerate(SAMPLES)]
)
def test_an_event_item_reads_into_its_type_and_writes_back_identical(kind, data):
    raw = stored_event(kind, data)
    event = event_from_item(raw)
    assert type(event.data).KIND == kind == event.type
    assert in_order(event_item(event)) == in_order(raw)
    assert event_data_of_plain(kind, json.loads(json.dumps(data))) == event.data


@pytest.mark.parametrize(
    ("kind", "data"), SAMPLES, ids=[f"{kind}-{n}" for n, (kind, _) in enumerate(SAMPLES)]
)
def test_the_events_api_and_the_bus_carry_the_stored_data_as_it_was(kind, data):
    raw = stored_event(kind, data)
    answered = EventResponse.of(event_from_item(raw)).model_dump_json()
    assert json.dumps(json.loads(answered)["data"]) == json.dumps(data)
    message = bus_message_from_order_event(from_item(raw))
    parsed = BusMessage.from_json(message.to_json())
    assert json.dumps(parsed.data) == json.dumps(data)
    assert parsed.event_data == event_from_item(raw).data


def test_order_created_opened_with_its_address_answers_it_in_the_data_but_never_stores_it():
    raw = stored_event("order_created", DATA["order_created"], seq=1)
    address = PostalAddress.of_plain(ADDRESS)
    event = event_from_item(raw, address)
    assert isinstance(event.data, OrderCreated) and event.data.shipping_address == address
    answered = json.loads(EventResponse.of(event).model_dump_json())["data"]
    assert json.dumps(answered) == json.dumps(DATA["order_created"] | {"shipping_address": ADDRESS})
    assert in_order(event_item(event)) == in_order(raw)
    assert event_from_item(raw).data == replace(event.data, shipping_address=None)


def stored_order() -> dict[str, Any]:
    return to_item(
        {
            "pk": "ORDER#o1",
            "sk": "ORDER",
            "status": "PAID",
            "items": LINES,
            "subtotal_cents": 5000,
            "shipping_cents": 499,
            "total_cents": 5499,
            "currency": "USD",
            "reservation_expires_at": "2030-01-01T00:15:00.000Z",
            "created_at": "2030-01-01T00:00:00.000Z",
            "updated_at": "2030-01-01T00:01:00.000Z",
            "version": 2,
            "gsi1pk": "USER#u1",
            "gsi2pk": "STATUS#PAID",
            "gsi4pk": "ORDERS",
        }
    )


def test_an_order_item_reads_into_typed_lines_and_writes_back_identical():
    raw = stored_order()
    order = order_from_item(raw)
    assert order.shipping_address is None  # not opened here
    assert order.items[1].shards == ((3, 1), (0, 1)) and order.items[0].reserved_shards() == [(0, 2)]
    assert in_order(order_item(order)) == in_order(raw)


def test_the_order_answer_names_the_lines_without_their_shards_and_the_opened_address():
    order = order_from_item(stored_order(), PostalAddress.of_plain(ADDRESS))
    answered = json.loads(OrderResponse.of(order).model_dump_json())
    assert answered["items"] == [LINE, {k: v for k, v in SHARDED_LINE.items() if k != "shards"}]
    assert answered["shipping_address"] == {k: ADDRESS[k] for k in answered["shipping_address"]}
    assert list(answered["shipping_address"]) == ["name", "line1", "line2", "city", "postal_code", "country"]


def test_an_order_from_before_sealing_reads_its_address_in_clear():
    raw = stored_order() | to_item({"shipping_address": ADDRESS})
    assert order_from_item(raw).shipping_address == PostalAddress.of_plain(ADDRESS)


def test_an_older_cancellation_says_it_refunded_itself_and_owes_nothing():
    data = event_from_item(stored_event("order_cancelled", older_cancellation())).data
    assert isinstance(data, OrderCancelled)
    assert (data.refunded, data.refund_pending, data.refund_payment_id) == (True, None, None)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("order_created", {k: v for k, v in DATA["order_created"].items() if k != "currency"}),
        ("payment_succeeded", {**DATA["payment_succeeded"], "amount_cents": "5499"}),
        ("payment_succeeded", {**DATA["payment_succeeded"], "amount_cents": True}),
        ("order_cancelled", {**CANCELLED, "reason": "BORED"}),
        ("shipment_updated", {**DATA["shipment_updated"], "status": "LOST"}),
        ("payment_refunded", {**DATA["payment_refunded"], "items": [{**LINE, "quantity": None}]}),
        ("payment_refunded", {**DATA["payment_refunded"], "items": [{**LINE, "shards": [[1]]}]}),
        ("order_shredded", {}),
    ],
)
def test_data_that_is_not_its_kinds_is_refused_not_guessed(kind, data):
    with pytest.raises(MalformedOrderData):
        event_data_of_plain(kind, data)
