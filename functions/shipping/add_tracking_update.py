"""POST /admin/shipments/{id}/tracking: an admin records where a parcel is; DELIVERED delivers the order."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.callers import caller
from shop.api.responses import errors, success
from shop.api.shipment_models import ShipmentId, ShipmentResponse, TrackingUpdateRequest
from shop.bootstrap import build_shipping_service

shipping = build_shipping_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/admin/shipments/<id>/tracking",
    openapi_extensions=ADMIN,
    summary="Add a tracking update",
    tags=["shipping"],
    responses=success(ShipmentResponse, "The shipment with the update appended to its events")
    | errors(
        e400="VALIDATION_ERROR",
        e403="FORBIDDEN: admins only",
        e404="NOT_FOUND",
        e409="INVALID_TRANSITION: the shipment may not move to that status",
    ),
)
def add_tracking_update(
    shipment_id: Annotated[ShipmentId, Path(alias="id")], body: Annotated[TrackingUpdateRequest, Body()]
) -> ShipmentResponse:
    admin = caller(router)
    shipment = shipping.track(admin, shipment_id, body.status, body.location, body.note)
    return ShipmentResponse.of(shipment)


handler = lambda_entry(make_app(router))
