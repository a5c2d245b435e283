"""GET /admin/inventory/{product_id}: a product's available, reserved and sold units."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.catalog_models import Ref, errors, success
from shop.api.inventory_models import StockLevelsResponse
from shop.bootstrap import build_inventory_service

inventory = build_inventory_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/admin/inventory/<product_id>",
    openapi_extensions=ADMIN,
    summary="Get stock levels",
    tags=["inventory"],
    responses=success(StockLevelsResponse, "The levels")
    | errors(e403="FORBIDDEN: admins only", e404="NOT_FOUND"),
)
def get_stock_levels(product_id: Annotated[Ref, Path()]) -> StockLevelsResponse:
    return StockLevelsResponse.of(inventory.stock_levels(product_id))


handler = lambda_entry(make_app(router))
