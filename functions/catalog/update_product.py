"""PATCH /products/{id}: an admin changes catalog fields (never stock: that moves only by adjustments)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.callers import caller
from shop.api.catalog_models import ProductChanges, ProductResponse, Ref, errors, success
from shop.bootstrap import build_product_service

products = build_product_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.patch(
    "/products/<id>",
    openapi_extensions=ADMIN,
    summary="Change a product",
    tags=["catalog"],
    responses=success(ProductResponse, "Changed")
    | errors(e403="FORBIDDEN: admins only", e404="NOT_FOUND", e409="SKU_TAKEN"),
)
def update_product(
    product_id: Annotated[Ref, Path(alias="id")], body: Annotated[ProductChanges, Body()]
) -> ProductResponse:
    return ProductResponse.of(products.update_product(caller(router), product_id, body.changes()))


handler = lambda_entry(make_app(router))
