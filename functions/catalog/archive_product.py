"""DELETE /products/{id}: an admin archives a product; it stays for orders and records, hidden from shoppers."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.callers import caller
from shop.api.catalog_models import Ref, errors, no_content
from shop.bootstrap import build_product_service

products = build_product_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.delete(
    "/products/<id>",
    openapi_extensions=ADMIN,
    summary="Archive a product",
    tags=["catalog"],
    status_code=204,
    responses=no_content("Archived") | errors(e403="FORBIDDEN: admins only", e404="NOT_FOUND"),
)
def archive_product(product_id: Annotated[Ref, Path(alias="id")]) -> Response[str]:
    products.archive_product(caller(router), product_id)
    return Response(status_code=204, body="")


handler = lambda_entry(make_app(router))
