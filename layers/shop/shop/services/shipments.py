"""Shipping an order and tracking its parcel, each change one transaction with the order's events.

The shipment item is a foreign element of the order store's commit: the order's event(s) and the
shipment (and, on creation, its lookup and tracking-number claims) are written together or not at
all, so the order's history always says what the shipment says. The order's new state (SHIPPED,
DELIVERED) is recorded in the shipment item, which only admins write, and the customer's order
item is only checked (`fulfilment`): paid, not cancelled. Two writers racing on one order (two
admins, or an admin shipping while the customer cancels) collide on the event's seq or on the
shipment's previous state; the loser reads again and gets the 409 the state now calls for.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from shop.domain.audit_chain import AuditDraft
from shop.domain.callers import Caller
from shop.domain.order_event_data import OrderDelivered, ShipmentCreated, ShipmentUpdated
from shop.domain.orders import EventActor, Order, OrderAggregate, timestamp
from shop.domain.shipments import Shipment, ShipmentStatus, new_tracking_number
from shop.errors import InvalidTransition, NotFound
from shop.services.catalog_audit import AuditPort
from shop.services.order_ports import CommitRefused, OrderChange, TxItem
from shop.services.orders_retry import with_retries


class ShippedOrders(Protocol):
    """The part of shop.services.order_ports.OrderStore that shipping needs."""

    def get_order(self, order_id: str) -> Order | None: ...

    def commit(self, change: OrderChange) -> None: ...


class ShipmentStore(Protocol):
    def shipment(self, shipment_id: str) -> Shipment | None: ...

    def shipment_of_order(self, order_id: str) -> Shipment | None: ...

    def creation_elements(self, shipment: Shipment, order: Order) -> Sequence[TxItem]:
        """Writes the new shipment, with `order` (the order once shipped) as its fulfilment, and claims
        its id and tracking number; each fails if already taken."""
        ...

    def update_element(self, before: Shipment, after: Shipment, order: Order) -> TxItem:
        """Replaces `before` with `after` (and its fulfilment with `order`), on condition that the
        stored shipment is still `before`."""
        ...


def _retry(refused: CommitRefused) -> bool:
    """The order or shipment moved under us, or a tracking number collided: read again, decide afresh."""
    return refused.order_changed or refused.retryable


class ShippingService:
    def __init__(
        self,
        orders: ShippedOrders,
        shipments: ShipmentStore,
        audit: AuditPort,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        tracking_numbers: Callable[[], str] = new_tracking_number,
    ) -> None:
        self._orders, self._shipments, self._audit = orders, shipments, audit
        self._clock, self._sleep, self._tracking_numbers = clock, sleep, tracking_numbers

    def create(self, admin: Caller, order_id: str, carrier: str) -> Shipment:
        """Ship a PAID order: 404 unknown order, 409 INVALID_TRANSITION in any other status."""

        def attempt() -> Shipment:
            order = self._orders.get_order(order_id)
            if order is None:
                raise NotFound("No such order.")
            if order.status != "PAID":
                raise InvalidTransition(f"Only a PAID order can be shipped; this one is {order.status}.")
            now = timestamp(self._clock())
            shipment = Shipment.label(uuid.uuid4().hex, order.id, carrier, self._tracking_numbers(), now)
            aggregate = OrderAggregate(order)
            data = ShipmentCreated(
                shipment_id=shipment.id,
                carrier=carrier,
                tracking_number=shipment.tracking_number,
                status=shipment.status,
                user_id=order.user_id,
                total_cents=order.total_cents,
                currency=order.currency,
            )
            aggregate.record(data, now, _actor(admin))
            foreign = self._shipments.creation_elements(shipment, aggregate.state)
            details = {"order_id": order_id, "carrier": carrier, "tracking_number": shipment.tracking_number}
            entry = self._entry(admin, "shipment.created", shipment.id, details)
            self._orders.commit(_fulfilment(aggregate, foreign, entry))
            return shipment

        return with_retries(attempt, retry_if=_retry, sleep=self._sleep)

    def track(
        self, admin: Caller, shipment_id: str, status: ShipmentStatus, location: str | None, note: str | None
    ) -> Shipment:
        """One tracking update; DELIVERED also delivers the order (both events in one transaction)."""

        def attempt() -> Shipment:
            before = self._shipments.shipment(shipment_id)
            if before is None:
                raise NotFound("No such shipment.")
            return self._commit_update(admin, before, status, location, note)

        return with_retries(attempt, retry_if=_retry, sleep=self._sleep)

    def shipment_of(self, caller: Caller, order_id: str) -> Shipment:
        """The owner's or an admin's view; someone else's order and an unshipped one are both 404."""
        order = self._orders.get_order(order_id)
        if order is None or not (caller.is_admin or order.user_id == caller.id):
            raise NotFound("No such order.")
        shipment = self._shipments.shipment_of_order(order_id)
        if shipment is None:
            raise NotFound("The order has not been shipped yet.")
        return shipment

    def _commit_update(
        self, admin: Caller, before: Shipment, status: ShipmentStatus, location: str | None, note: str | None
    ) -> Shipment:
        now = timestamp(self._clock())
        after = before.advance(status, location, note, now)
        order = self._orders.get_order(before.order_id)
        if order is None:
            raise NotFound("No such shipment.")
        aggregate, actor = OrderAggregate(order), _actor(admin)
        update = ShipmentUpdated(
            shipment_id=before.id, status=status, location=location, note=note, user_id=order.user_id
        )
        aggregate.record(update, now, actor)
        if status == "DELIVERED":
            delivered = OrderDelivered(
                shipment_id=before.id, tracking_number=before.tracking_number, user_id=order.user_id
            )
            aggregate.record(delivered, now, actor)
        foreign = [self._shipments.update_element(before, after, aggregate.state)]
        details = {"order_id": after.order_id, "status": status, "previous_status": before.status}
        entry = self._entry(admin, "shipment.tracking_updated", after.id, details)
        self._orders.commit(_fulfilment(aggregate, foreign, entry))
        return after

    def _entry(self, admin: Caller, action: str, shipment_id: str, details: Mapping[str, Any]) -> AuditDraft:
        return self._audit.draft(
            actor_id=admin.id,
            actor_role=admin.role,
            action=action,
            target_type="shipment",
            target_id=shipment_id,
            request_id=admin.request_id,
            details=details,
        )


def _fulfilment(aggregate: OrderAggregate, foreign: Sequence[TxItem], entry: AuditDraft) -> OrderChange:
    """Shipping's change: the events, the shipment (recording the order's new state) and the audit
    entry; the customer's order item is only checked (OrderChange.fulfilment)."""
    state, events, base = aggregate.state, aggregate.pending, aggregate.base_version
    return OrderChange(state, events, base, foreign=foreign, audit=[entry], fulfilment=True)


def _actor(caller: Caller) -> EventActor:
    return EventActor(caller.id, caller.role)
