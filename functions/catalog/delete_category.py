"""DELETE /categories/{id}: an admin removes a category no product or subcategory uses."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.callers import caller
from shop.api.catalog_models import Ref, errors, no_content
from shop.bootstrap import build_category_service

categories = build_category_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.delete(
    "/categories/<id>",
    openapi_extensions=ADMIN,
    summary="Delete an unused category",
    tags=["catalog"],
    status_code=204,
    responses=no_content("Deleted")
    | errors(e403="FORBIDDEN: admins only", e404="NOT_FOUND", e409="CATEGORY_NOT_EMPTY: products use it"),
)
def delete_category(category_id: Annotated[Ref, Path(alias="id")]) -> Response[str]:
    categories.delete_category(caller(router), category_id)
    return Response(status_code=204, body="")


handler = lambda_entry(make_app(router))
