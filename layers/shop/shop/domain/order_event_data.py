"""What each kind of order event says: one frozen dataclass per kind (`KIND` names it).

An event's `data` is self-contained (consumers need no read of their own), so the kinds that move
money or tell the customer carry the owner, the lines and the totals. The fields are in the order
the writers have always put the keys, and shop.domain.order_plain turns a record into that plain
mapping and back, so an event item, an API answer and a bus message keep their shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from shop.domain.order_lines import OrderLine, PostalAddress
from shop.domain.order_plain import OMIT_EMPTY, MalformedOrderData, Plain, from_plain, to_plain
from shop.domain.shipments import ShipmentStatus

OrderStatus = Literal["PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"]
CancelReason = Literal["CUSTOMER", "ADMIN", "RESERVATION_EXPIRED"]


class _EventData:
    __slots__ = ()
    KIND: ClassVar[str]

    def plain(self) -> Plain:
        """The stored and published `data` (shop.domain.order_plain)."""
        return to_plain(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCreated(_EventData):
    KIND: ClassVar[str] = "order_created"
    user_id: str
    items: tuple[OrderLine, ...]
    subtotal_cents: int
    shipping_cents: int
    total_cents: int
    currency: str
    reservation_expires_at: str
    shipping_address: PostalAddress | None = field(default=None, metadata=OMIT_EMPTY)
    """None: not opened by this reader. The store seals it beside the data, never in it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentFailed(_EventData):
    KIND: ClassVar[str] = "payment_failed"
    payment_id: str
    amount_cents: int
    currency: str
    card_brand: str
    card_last4: str
    failure_reason: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _SettledPayment(_EventData):
    """A payment that moved the order's money (taken, or given back), with the lines it covered."""

    payment_id: str
    amount_cents: int
    currency: str
    card_brand: str
    card_last4: str
    user_id: str
    items: tuple[OrderLine, ...]
    total_cents: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentSucceeded(_SettledPayment):
    KIND: ClassVar[str] = "payment_succeeded"


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentRefunded(_SettledPayment):
    KIND: ClassVar[str] = "payment_refunded"


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelled(_EventData):
    """`refund_pending` tells the refunds consumer that `refund_payment_id` is owed back. A
    cancellation committed before refunds had their own queue says `refunded` instead (it gave the
    money back itself) and no `refund_pending`: each is None where the event does not say it."""

    KIND: ClassVar[str] = "order_cancelled"
    reason: CancelReason
    previous_status: OrderStatus
    refund_pending: bool | None = field(default=None, metadata=OMIT_EMPTY)
    refunded: bool | None = field(default=None, metadata=OMIT_EMPTY)
    refund_amount_cents: int
    user_id: str
    items: tuple[OrderLine, ...]
    total_cents: int
    currency: str
    refund_payment_id: str | None = field(default=None, metadata=OMIT_EMPTY)


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipmentCreated(_EventData):
    KIND: ClassVar[str] = "shipment_created"
    shipment_id: str
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    user_id: str
    total_cents: int
    currency: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipmentUpdated(_EventData):
    KIND: ClassVar[str] = "shipment_updated"
    shipment_id: str
    status: ShipmentStatus
    location: str | None
    note: str | None
    user_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDelivered(_EventData):
    KIND: ClassVar[str] = "order_delivered"
    shipment_id: str
    tracking_number: str
    user_id: str


EventData = (
    OrderCreated
    | PaymentFailed
    | PaymentSucceeded
    | OrderCancelled
    | PaymentRefunded
    | ShipmentCreated
    | ShipmentUpdated
    | OrderDelivered
)
_KINDS: Mapping[str, type[EventData]] = {
    kind.KIND: kind
    for kind in (
        OrderCreated,
        PaymentFailed,
        PaymentSucceeded,
        OrderCancelled,
        PaymentRefunded,
        ShipmentCreated,
        ShipmentUpdated,
        OrderDelivered,
    )
}
EVENT_KINDS = frozenset(_KINDS)


def event_data_of_plain(kind: str, values: Mapping[str, object]) -> EventData:
    """The typed data of an event of `kind`; MalformedOrderData (a ValueError) if it is not one."""
    if kind not in _KINDS:
        raise MalformedOrderData(f"no order event is of type {kind!r}")
    return from_plain(_KINDS[kind], values, f"{kind}'s data")


def owner_of(data: EventData) -> str | None:
    """The customer the event is about, where its data names them (payment_failed's does not)."""
    return None if isinstance(data, PaymentFailed) else data.user_id
