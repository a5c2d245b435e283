"""GET /categories: the whole category tree, for anyone (menus need all of it at once)."""

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.catalog_models import CategoryList, CategoryResponse
from shop.bootstrap import build_category_service

categories = build_category_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get("/categories", openapi_extensions=ANYONE, summary="List all categories", tags=["catalog"])
def list_categories() -> CategoryList:
    return CategoryList(items=[CategoryResponse.of(c) for c in categories.list_categories()])


handler = lambda_entry(make_app(router))
