"""PATCH /categories/{id}: an admin renames, re-slugs or moves a category (never into its own subtree)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.callers import caller
from shop.api.catalog_models import CategoryChanges, CategoryResponse, Ref, errors, success
from shop.bootstrap import build_category_service

categories = build_category_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.patch(
    "/categories/<id>",
    openapi_extensions=ADMIN,
    summary="Change a category",
    tags=["catalog"],
    responses=success(CategoryResponse, "Changed")
    | errors(e403="FORBIDDEN: admins only", e404="NOT_FOUND", e409="SLUG_TAKEN"),
)
def update_category(
    category_id: Annotated[Ref, Path(alias="id")], body: Annotated[CategoryChanges, Body()]
) -> CategoryResponse:
    return CategoryResponse.of(categories.update_category(caller(router), category_id, body.changes()))


handler = lambda_entry(make_app(router))
