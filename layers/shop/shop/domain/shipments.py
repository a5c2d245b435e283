"""A shipment and its tracking state machine (API.md, Shipping).

The shipment keeps its whole tracking history in `events` (the label's creation first), so the
owner sees where the parcel went without a second read. Moves are checked here, before anything
is written; the order's own machine (shop.domain.orders) separately checks that the order may ship.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from shop.errors import InvalidTransition

ShipmentStatus = Literal["LABEL_CREATED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION"]
SHIPMENT_STATUSES: tuple[ShipmentStatus, ...] = (
    "LABEL_CREATED",
    "IN_TRANSIT",
    "OUT_FOR_DELIVERY",
    "DELIVERED",
    "EXCEPTION",
)
SHIPMENT_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "LABEL_CREATED": frozenset({"IN_TRANSIT"}),
    "IN_TRANSIT": frozenset({"OUT_FOR_DELIVERY", "EXCEPTION"}),
    "OUT_FOR_DELIVERY": frozenset({"DELIVERED", "EXCEPTION"}),
    "EXCEPTION": frozenset({"IN_TRANSIT"}),
    "DELIVERED": frozenset(),
}
TRACKING_PREFIX = "SS"
_TRACKING_ALPHABET = string.ascii_uppercase + string.digits
_TRACKING_LENGTH = 12


def new_tracking_number() -> str:
    """ "SS" + 12 random uppercase alphanumerics: unguessable, so a number reveals no other parcel."""
    return TRACKING_PREFIX + "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(_TRACKING_LENGTH))


def check_shipment_move(current: str, target: str) -> None:
    if target not in SHIPMENT_TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"A shipment cannot go from {current} to {target}.")


@dataclass(frozen=True)
class TrackingEvent:
    status: ShipmentStatus
    location: str | None
    note: str | None
    occurred_at: str


@dataclass(frozen=True)
class Shipment:
    id: str
    order_id: str
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    events: tuple[TrackingEvent, ...]
    created_at: str
    updated_at: str

    @classmethod
    def label(cls, shipment_id: str, order_id: str, carrier: str, tracking_number: str, at: str) -> Shipment:
        """A new shipment: its label is created, which is also the first entry of its history."""
        first = TrackingEvent("LABEL_CREATED", None, None, at)
        return cls(shipment_id, order_id, carrier, tracking_number, "LABEL_CREATED", (first,), at, at)

    def advance(self, status: ShipmentStatus, location: str | None, note: str | None, at: str) -> Shipment:
        """The shipment after one tracking update; InvalidTransition (409) for a move API.md forbids."""
        check_shipment_move(self.status, status)
        event = TrackingEvent(status, location, note, at)
        return replace(self, status=status, events=(*self.events, event), updated_at=at)
