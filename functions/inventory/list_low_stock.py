"""GET /admin/inventory?below=N: products whose available stock is below N, lowest first (reorder list)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.inventory_models import LowStockItem, LowStockPage
from shop.api.paging import DEFAULT_LIMIT, Cursor, Limit
from shop.api.responses import errors, success
from shop.bootstrap import build_inventory_service
from shop.services.inventory import MAX_THRESHOLD

inventory = build_inventory_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated

Below = Annotated[
    int | None, Query(ge=0, le=MAX_THRESHOLD, description="Only products with fewer available.")
]


@router.get(
    "/admin/inventory",
    openapi_extensions=ADMIN,
    summary="List products low on stock",
    tags=["inventory"],
    responses=success(LowStockPage, "A page of products, lowest stock first")
    | errors(e403="FORBIDDEN: admins only"),
)
def list_low_stock(below: Below = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> LowStockPage:
    page = inventory.products_below(below, limit, cursor)
    return LowStockPage(items=[LowStockItem.of_row(row) for row in page.items], next_cursor=page.next_cursor)


handler = lambda_entry(make_app(router))
