"""POST /admin/orders/{id}/shipments: an admin ships a PAID order; it becomes SHIPPED with a tracking number."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.callers import caller
from shop.api.models import OrderId
from shop.api.responses import errors, success
from shop.api.shipment_models import CreateShipmentRequest, ShipmentResponse
from shop.bootstrap import build_shipping_service

shipping = build_shipping_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/admin/orders/<id>/shipments",
    openapi_extensions=ADMIN,
    summary="Ship an order",
    tags=["shipping"],
    responses=success(ShipmentResponse, "The shipment, LABEL_CREATED; the order is SHIPPED", 201)
    | errors(
        e400="VALIDATION_ERROR",
        e403="FORBIDDEN: admins only",
        e404="NOT_FOUND",
        e409="INVALID_TRANSITION: the order is not PAID (e.g. already shipped)",
    ),
)
def create_shipment(
    order_id: Annotated[OrderId, Path(alias="id")], body: Annotated[CreateShipmentRequest, Body()]
) -> tuple[ShipmentResponse, int]:
    admin = caller(router)
    return ShipmentResponse.of(shipping.create(admin, order_id, body.carrier)), 201


handler = lambda_entry(make_app(router))
