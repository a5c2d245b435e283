"""POST /categories: an admin adds a category (slug unique, parent must exist)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.callers import caller
from shop.api.catalog_models import CategoryResponse, NewCategory, errors, success
from shop.bootstrap import build_category_service

categories = build_category_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/categories",
    openapi_extensions=ADMIN,
    summary="Create a category",
    tags=["catalog"],
    status_code=201,
    responses=success(CategoryResponse, "Created", 201)
    | errors(e403="FORBIDDEN: admins only", e409="SLUG_TAKEN: another category has this slug"),
)
def create_category(body: Annotated[NewCategory, Body()]) -> tuple[CategoryResponse, int]:
    created = categories.create_category(caller(router), body.name, body.slug, body.parent_id)
    return CategoryResponse.of(created), 201


handler = lambda_entry(make_app(router))
