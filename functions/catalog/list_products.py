"""GET /products: a page of the catalog, filtered by category and name; only admins see non-ACTIVE products."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.callers import viewer
from shop.api.catalog_caching import cacheable_read, catalog_answer
from shop.api.catalog_models import ProductPage, ProductResponse
from shop.api.models import ID_MAX
from shop.api.paging import DEFAULT_LIMIT, Cursor, Limit
from shop.bootstrap import build_product_service
from shop.domain.catalog import QUERY_MAX

products = build_product_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/products",
    openapi_extensions=ANYONE,
    summary="Browse products",
    tags=["catalog"],
    responses=cacheable_read(ProductPage, "A page of products"),
)
def list_products(
    category_id: Annotated[str | None, Query(min_length=1, max_length=ID_MAX)] = None,
    q: Annotated[str | None, Query(max_length=QUERY_MAX, description="Name contains (any case).")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response[str]:
    who = viewer(router)
    page = products.list_products(bool(who and who.is_admin), category_id, q, limit, cursor)
    items = [ProductResponse.of(p) for p in page.items]
    return catalog_answer(router, who, ProductPage(items=items, next_cursor=page.next_cursor))


handler = lambda_entry(make_app(router))
