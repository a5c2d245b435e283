"""GET /categories: the whole category tree, for anyone (menus need all of it at once)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.callers import viewer
from shop.api.catalog_caching import cacheable_read, catalog_answer
from shop.api.catalog_models import CategoryList, CategoryResponse
from shop.bootstrap import build_category_service

categories = build_category_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/categories",
    openapi_extensions=ANYONE,
    summary="List all categories",
    tags=["catalog"],
    responses=cacheable_read(CategoryList, "Every category"),
)
def list_categories() -> Response[str]:
    tree = CategoryList(items=[CategoryResponse.of(c) for c in categories.list_categories()])
    return catalog_answer(router, viewer(router), tree)


handler = lambda_entry(make_app(router))
