"""The bus message: built from the committed order_event alone, JSON-ready, one version."""

from decimal import Decimal

import pytest

from shop.domain.bus_messages import (
    BusMessage,
    InvalidBusMessage,
    NotAnOrderEvent,
    bus_message_from_order_event,
    plain,
)

EVENT_ITEM = {
    "pk": "ORDER#o1",
    "sk": "EVENT#00000003",
    "entity": "order_event",
    "event_id": "e-3",
    "order_id": "o1",
    "seq": Decimal(3),
    "type": "order_cancelled",
    "occurred_at": "2026-03-01T10:00:00Z",
    "actor": {"id": "admin-1", "role": "admin"},
    "data": {"reason": "ADMIN", "refunded": True, "refund_amount_cents": Decimal(2999), "items": []},
}


def test_the_message_carries_the_event_and_its_data_but_not_storage_fields():
    message = bus_message_from_order_event(EVENT_ITEM)
    assert message.as_dict() == {
        "id": "e-3",
        "type": "order_cancelled",
        "version": 1,
        "occurred_at": "2026-03-01T10:00:00Z",
        "order_id": "o1",
        "seq": 3,
        "data": {"reason": "ADMIN", "refunded": True, "refund_amount_cents": 2999, "items": []},
    }


def test_an_order_event_without_its_id_is_refused_not_skipped():
    broken = {k: v for k, v in EVENT_ITEM.items() if k != "event_id"}
    with pytest.raises(NotAnOrderEvent, match="event_id"):
        bus_message_from_order_event(broken)


def test_numbers_become_ints_and_fractions_stay_exact():
    assert plain({"a": Decimal("12"), "b": [Decimal("1.50")], "c": {Decimal(2), Decimal(1)}}) == {
        "a": 12,
        "b": ["1.50"],
        "c": [1, 2],
    }


def test_consumers_refuse_another_version_and_ignore_added_fields():
    body = bus_message_from_order_event(EVENT_ITEM).as_dict()
    assert BusMessage.parse(body | {"trace": "x"}).id == "e-3"
    with pytest.raises(InvalidBusMessage):
        BusMessage.parse(body | {"version": 2})


@pytest.mark.parametrize(
    "change",
    [{"id": ""}, {"type": 7}, {"seq": 0}, {"seq": 2.5}, {"seq": True}, {"data": None}, {"order_id": None}],
)
def test_consumers_refuse_a_malformed_message(change):
    body = bus_message_from_order_event(EVENT_ITEM).as_dict()
    with pytest.raises(InvalidBusMessage):
        BusMessage.parse(body | change)


def test_a_message_round_trips_through_its_json():
    message = bus_message_from_order_event(EVENT_ITEM)
    assert BusMessage.from_json(message.to_json()) == message
    assert message.to_json().startswith('{"id":"e-3","type":"order_cancelled","version":1,')


def test_a_shipping_address_never_goes_on_the_bus_even_from_an_item_that_holds_it_in_clear():
    address = {"name": "Ada", "line1": "1 Road", "city": "London", "postal_code": "N1", "country": "GB"}
    created = EVENT_ITEM | {
        "type": "order_created",
        "data": {"user_id": "u1", "total_cents": Decimal(2999), "shipping_address": address},
        "shipping_address_enc": b"\x01sealed",
    }
    message = bus_message_from_order_event(created)
    assert message.data == {"user_id": "u1", "total_cents": 2999}
    assert "London" not in message.to_json() and "sealed" not in message.to_json()
