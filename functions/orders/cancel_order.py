"""POST /orders/{id}/cancel: the owner or an admin cancels; stock comes back, a paid order's refund follows."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.access import OWNER_OR_ADMIN
from shop.api.callers import caller
from shop.api.models import OrderId
from shop.api.order_models import OrderResponse
from shop.api.responses import errors, success
from shop.bootstrap import build_cancel_service

cancels = build_cancel_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/orders/<id>/cancel",
    openapi_extensions=OWNER_OR_ADMIN,
    summary="Cancel an order",
    tags=["orders"],
    responses=success(OrderResponse, "The order, CANCELLED")
    | errors(e404="NOT_FOUND", e409="INVALID_TRANSITION: SHIPPED, DELIVERED or already CANCELLED"),
)
def cancel_order(order_id: Annotated[OrderId, Path(alias="id")]) -> OrderResponse:
    return OrderResponse.of(cancels.cancel(caller(router), order_id))


handler = lambda_entry(make_app(router))
