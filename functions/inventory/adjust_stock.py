"""POST /admin/inventory/{product_id}/adjustments: an admin adds or removes stock, never below zero."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.callers import caller
from shop.api.catalog_models import Ref, errors, success
from shop.api.inventory_models import Adjustment, StockLevelsResponse
from shop.bootstrap import build_inventory_service

inventory = build_inventory_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/admin/inventory/<product_id>/adjustments",
    openapi_extensions=ADMIN,
    summary="Adjust stock",
    tags=["inventory"],
    responses=success(StockLevelsResponse, "The new levels")
    | errors(
        e403="FORBIDDEN: admins only",
        e404="NOT_FOUND",
        e409="INSUFFICIENT_STOCK: available + delta would be below 0",
    ),
)
def adjust_stock(
    product_id: Annotated[Ref, Path()], body: Annotated[Adjustment, Body()]
) -> StockLevelsResponse:
    levels = inventory.adjust_stock(caller(router), product_id, body.delta, body.reason)
    return StockLevelsResponse.of(levels)


handler = lambda_entry(make_app(router))
