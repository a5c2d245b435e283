"""GET /orders/{id}: one order (its owner or an admin; anyone else gets 404)."""

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
from shop.bootstrap import build_order_queries

orders = build_order_queries()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/orders/<id>",
    openapi_extensions=OWNER_OR_ADMIN,
    summary="An order",
    tags=["orders"],
    responses=success(OrderResponse, "The order") | errors(e404="NOT_FOUND"),
)
def get_order(order_id: Annotated[OrderId, Path(alias="id")]) -> OrderResponse:
    return OrderResponse.of(orders.order(caller(router), order_id))


handler = lambda_entry(make_app(router))
