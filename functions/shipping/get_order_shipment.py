"""GET /orders/{id}/shipment: the order's shipment and tracking history (its owner or an admin)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.access import OWNER_OR_ADMIN
from shop.api.callers import caller
from shop.api.models import OrderId
from shop.api.responses import errors, success
from shop.api.shipment_models import ShipmentResponse
from shop.bootstrap import build_shipping_service

shipping = build_shipping_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/orders/<id>/shipment",
    openapi_extensions=OWNER_OR_ADMIN,
    summary="An order's shipment",
    tags=["shipping"],
    responses=success(ShipmentResponse, "The shipment with its tracking history, oldest first")
    | errors(e404="NOT_FOUND: no such order of yours, or not shipped yet"),
)
def get_order_shipment(order_id: Annotated[OrderId, Path(alias="id")]) -> ShipmentResponse:
    return ShipmentResponse.of(shipping.shipment_of(caller(router), order_id))


handler = lambda_entry(make_app(router))
