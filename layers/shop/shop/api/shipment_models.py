"""Request and response bodies of the shipping routes.

A tracking update names any shipment status: a known status that the shipment may not move to is
the state machine's 409 INVALID_TRANSITION, while an unknown one is a 400 here.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from shop.api.models import RequestModel, ResponseModel, text
from shop.domain.shipments import Shipment, ShipmentStatus, TrackingEvent

ShipmentId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CreateShipmentRequest(RequestModel):
    carrier: Annotated[str, text(1, 50, blank=False)]


class TrackingUpdateRequest(RequestModel):
    status: ShipmentStatus
    location: Annotated[str, text(1, 100, blank=False)] | None = None
    note: Annotated[str, text(1, 500, lines=True, blank=False)] | None = None


class TrackingEventResponse(ResponseModel):
    status: str
    location: str | None
    note: str | None
    occurred_at: str

    @classmethod
    def of(cls, e: TrackingEvent) -> TrackingEventResponse:
        return cls(status=e.status, location=e.location, note=e.note, occurred_at=e.occurred_at)


class ShipmentResponse(ResponseModel):
    id: str
    order_id: str
    carrier: str
    tracking_number: str
    status: str
    events: list[TrackingEventResponse]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, s: Shipment) -> ShipmentResponse:
        return cls(
            id=s.id,
            order_id=s.order_id,
            carrier=s.carrier,
            tracking_number=s.tracking_number,
            status=s.status,
            events=[TrackingEventResponse.of(e) for e in s.events],
            created_at=s.created_at,
            updated_at=s.updated_at,
        )
