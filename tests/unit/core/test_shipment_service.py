"""ShippingService against in-memory fakes that apply a commit all-or-nothing, like the DynamoDB adapters.

The fake order store (tests.fakes.MemoryOrders) checks that the order is paid and the event's seq
free; the fake shipment store's elements (MemoryShipments) check that an id, a tracking number or a
shipment's previous state still hold, so races and collisions take the same refusal-and-retry paths
as on DynamoDB.
"""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shop.domain.callers import Caller
from shop.domain.order_event_data import OrderCreated, PaymentSucceeded
from shop.domain.order_lines import OrderLine, PostalAddress
from shop.domain.orders import EventActor, Order, OrderAggregate, fold, timestamp
from shop.errors import InvalidTransition, NotFound
from shop.services.orders_cancel import CancelService
from shop.services.shipments import ShippingService
from tests.fakes import MemoryOrders, MemoryShipments, RecordingAudit, Shelf

NOW = datetime(2030, 1, 1, tzinfo=UTC)
ADMIN, ALICE, BOB = Caller("root", "admin", "req-1"), Caller("alice", "customer"), Caller("bob", "customer")


def paid_for(order: OrderCreated) -> PaymentSucceeded:
    return PaymentSucceeded(
        payment_id="pay1",
        amount_cents=order.total_cents,
        currency=order.currency,
        card_brand="visa",
        card_last4="4242",
        user_id=order.user_id,
        items=order.items,
        total_cents=order.total_cents,
    )


def paid_order(orders: MemoryOrders, owner: str = "alice", order_id: str = "o1") -> Order:
    data = OrderCreated(
        user_id=owner,
        items=(OrderLine("p1", "S1", "Mug", 1000, 1, 1000),),
        subtotal_cents=1000,
        shipping_cents=499,
        total_cents=1499,
        currency="USD",
        shipping_address=PostalAddress(name="A", line1="1 Road", city="X", postal_code="1", country="DE"),
        reservation_expires_at=timestamp(NOW),
    )
    buyer = EventActor(owner, "customer")
    aggregate = OrderAggregate.create(order_id, timestamp(NOW), buyer, data)
    aggregate.record(paid_for(data), timestamp(NOW), buyer)
    orders.orders[order_id], orders.events[order_id] = aggregate.state, list(aggregate.pending)
    return aggregate.state


@pytest.fixture
def world():
    orders, audit = MemoryOrders(), RecordingAudit()
    shipments = MemoryShipments(orders)
    numbers = iter(["SSAAAAAAAAAAAA", "SSAAAAAAAAAAAA", "SSBBBBBBBBBBBB", "SSCCCCCCCCCCCC"])
    service = ShippingService(
        orders,
        shipments,
        audit,
        clock=lambda: NOW,
        sleep=lambda _: None,
        tracking_numbers=lambda: next(numbers),
    )
    return service, orders, shipments, audit


def test_shipping_a_paid_order_makes_it_shipped_with_one_event_and_an_audit_entry(world):
    service, orders, shipments, audit = world
    paid_order(orders)
    shipment = service.create(ADMIN, "o1", "DHL")
    assert (shipment.status, shipment.carrier, shipment.order_id) == ("LABEL_CREATED", "DHL", "o1")
    assert [e.status for e in shipment.events] == ["LABEL_CREATED"]
    assert orders.get_order("o1").status == "SHIPPED" and shipments.shipment(shipment.id) == shipment
    assert orders.orders["o1"].status == "PAID", "the customer's order item is not the admin's to write"
    assert orders.fulfilment["o1"] == fold(orders.events["o1"])
    event = orders.events["o1"][-1]
    assert (event.type, event.seq, event.actor) == ("shipment_created", 3, EventActor("root", "admin"))
    assert event.data.plain() == {
        "shipment_id": shipment.id,
        "carrier": "DHL",
        "tracking_number": shipment.tracking_number,
        "status": "LABEL_CREATED",
        "user_id": "alice",
        "total_cents": 1499,
        "currency": "USD",
    }
    assert fold(orders.events["o1"]) == orders.get_order("o1")
    assert audit.entries == [
        {
            "actor_id": "root",
            "actor_role": "admin",
            "action": "shipment.created",
            "target_type": "shipment",
            "target_id": shipment.id,
            "request_id": "req-1",
            "details": {"order_id": "o1", "carrier": "DHL", "tracking_number": shipment.tracking_number},
        }
    ]


def test_a_taken_tracking_number_is_drawn_again(world):
    service, orders, _, _ = world
    paid_order(orders, order_id="o1")
    paid_order(orders, order_id="o2")
    first = service.create(ADMIN, "o1", "DHL")
    second = service.create(ADMIN, "o2", "DHL")  # draws the same number first, is refused, draws again
    assert (first.tracking_number, second.tracking_number) == ("SSAAAAAAAAAAAA", "SSBBBBBBBBBBBB")
    assert orders.get_order("o2").status == "SHIPPED" and len(orders.events["o2"]) == 3


@pytest.mark.parametrize("status", ["PENDING_PAYMENT", "CANCELLED", "SHIPPED", "DELIVERED"])
def test_only_a_paid_order_ships(world, status):
    service, orders, shipments, audit = world
    order = paid_order(orders)
    orders.orders["o1"] = replace(order, status=status)
    with pytest.raises(InvalidTransition):
        service.create(ADMIN, "o1", "DHL")
    assert shipments.by_order == {} and audit.entries == [] and len(orders.events["o1"]) == 2


def test_unknown_order_is_404_and_a_second_shipment_is_409(world):
    service, orders, _, audit = world
    with pytest.raises(NotFound):
        service.create(ADMIN, "nope", "DHL")
    paid_order(orders)
    service.create(ADMIN, "o1", "DHL")
    with pytest.raises(InvalidTransition):
        service.create(ADMIN, "o1", "UPS")
    assert len(audit.entries) == 1 and len(orders.events["o1"]) == 3


def test_an_admin_who_loses_the_race_gets_409_and_writes_nothing(world):
    service, orders, shipments, _ = world
    paid_order(orders)
    # another admin ships the order between our read and our commit
    orders.before_commit.append(lambda: service.create(ADMIN, "o1", "UPS"))
    with pytest.raises(InvalidTransition):
        service.create(ADMIN, "o1", "DHL")
    assert shipments.by_order["o1"].carrier == "UPS" and len(shipments.lookup) == 1
    assert [e.type for e in orders.events["o1"]][-1] == "shipment_created" and len(orders.events["o1"]) == 3


def test_tracking_to_delivered_delivers_the_order_with_consecutive_events(world):
    service, orders, shipments, audit = world
    paid_order(orders)
    shipment = service.create(ADMIN, "o1", "DHL")
    service.track(ADMIN, shipment.id, "IN_TRANSIT", "Leipzig", None)
    service.track(ADMIN, shipment.id, "OUT_FOR_DELIVERY", None, "van 7")
    done = service.track(ADMIN, shipment.id, "DELIVERED", "Doorstep", None)
    assert done.status == "DELIVERED" and orders.get_order("o1").status == "DELIVERED"
    assert orders.fulfilment["o1"].status == "DELIVERED" == shipments.by_order["o1"].status
    assert orders.orders["o1"].status == "PAID"
    assert [e.status for e in done.events] == ["LABEL_CREATED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"]
    events = orders.events["o1"]
    assert [(e.seq, e.type) for e in events][2:] == [
        (3, "shipment_created"),
        (4, "shipment_updated"),
        (5, "shipment_updated"),
        (6, "shipment_updated"),
        (7, "order_delivered"),
    ]
    assert events[4].data.plain() == {
        "shipment_id": shipment.id,
        "status": "OUT_FOR_DELIVERY",
        "location": None,
        "note": "van 7",
        "user_id": "alice",
    }
    assert events[6].data.plain() == {
        "shipment_id": shipment.id,
        "tracking_number": shipment.tracking_number,
        "user_id": "alice",
    }
    assert events[5].occurred_at == events[6].occurred_at
    assert fold(events) == orders.get_order("o1")
    assert [e["action"] for e in audit.entries] == ["shipment.created"] + ["shipment.tracking_updated"] * 3
    assert audit.entries[-1]["details"] == {
        "order_id": "o1",
        "status": "DELIVERED",
        "previous_status": "OUT_FOR_DELIVERY",
    }


def test_forbidden_tracking_moves_and_unknown_shipments_change_nothing(world):
    service, orders, shipments, _ = world
    paid_order(orders)
    shipment = service.create(ADMIN, "o1", "DHL")
    for status in ("DELIVERED", "OUT_FOR_DELIVERY", "EXCEPTION", "LABEL_CREATED"):
        with pytest.raises(InvalidTransition):
            service.track(ADMIN, shipment.id, status, None, None)
    with pytest.raises(NotFound):
        service.track(ADMIN, "nope", "IN_TRANSIT", None, None)
    assert shipments.by_order["o1"] == shipment and len(orders.events["o1"]) == 3


def test_a_concurrent_tracking_update_is_reread_and_judged_again(world):
    service, orders, shipments, _ = world
    paid_order(orders)
    shipment = service.create(ADMIN, "o1", "DHL")
    orders.before_commit.append(lambda: service.track(ADMIN, shipment.id, "IN_TRANSIT", None, None))
    with pytest.raises(InvalidTransition):  # both moved LABEL_CREATED -> IN_TRANSIT; the second is a repeat
        service.track(ADMIN, shipment.id, "IN_TRANSIT", None, None)
    assert [e.status for e in shipments.by_order["o1"].events] == ["LABEL_CREATED", "IN_TRANSIT"]
    assert [e.seq for e in orders.events["o1"]] == [1, 2, 3, 4]


def test_the_owner_and_admins_see_the_shipment_others_and_unshipped_orders_are_404(world):
    service, orders, _, _ = world
    paid_order(orders)
    with pytest.raises(NotFound):
        service.shipment_of(ALICE, "o1")  # not shipped yet
    shipment = service.create(ADMIN, "o1", "DHL")
    assert service.shipment_of(ALICE, "o1") == shipment == service.shipment_of(ADMIN, "o1")
    for caller, order_id in ((BOB, "o1"), (ALICE, "nope")):
        with pytest.raises(NotFound):
            service.shipment_of(caller, order_id)


def test_a_cancellation_between_the_admins_read_and_commit_stops_the_shipment(world):
    service, orders, shipments, audit = world
    order = paid_order(orders)
    cancelled = replace(order, status="CANCELLED", version=3)
    orders.before_commit.append(lambda: orders.orders.update(o1=cancelled))
    with pytest.raises(InvalidTransition):
        service.create(ADMIN, "o1", "DHL")
    assert shipments.by_order == {} and audit.entries == [] and orders.get_order("o1") == cancelled


def test_a_customer_cancelling_while_an_admin_ships_gets_409_and_the_parcel_still_goes(world):
    service, orders, shipments, audit = world
    paid_order(orders)
    orders.shelves.shelves["p1"] = Shelf(1000, 0)
    orders.shelves.shelves["p1"].shards[0].sold = 1
    cancels = CancelService(orders, audit, clock=lambda: NOW, sleep=lambda _: None)
    orders.before_commit.append(lambda: service.create(ADMIN, "o1", "DHL"))
    with pytest.raises(InvalidTransition):
        cancels.cancel(ALICE, "o1")
    assert orders.get_order("o1").status == "SHIPPED" and shipments.by_order["o1"].carrier == "DHL"
    assert [e.type for e in orders.events["o1"]][-1] == "shipment_created"
    assert orders.shelves.shelves["p1"].sold == 1 and audit.actions() == ["shipment.created"]
