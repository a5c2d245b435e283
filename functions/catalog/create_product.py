"""POST /products: an admin adds a product (unique SKU, existing category, stock starting at 0)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.callers import caller
from shop.api.catalog_models import NewProduct, ProductResponse, errors, success
from shop.bootstrap import build_product_service

products = build_product_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/products",
    openapi_extensions=ADMIN,
    summary="Create a product",
    tags=["catalog"],
    status_code=201,
    responses=success(ProductResponse, "Created", 201)
    | errors(e403="FORBIDDEN: admins only", e409="SKU_TAKEN: another product has this SKU"),
)
def create_product(body: Annotated[NewProduct, Body()]) -> tuple[ProductResponse, int]:
    created = products.create_product(caller(router), **body.model_dump())
    return ProductResponse.of(created), 201


handler = lambda_entry(make_app(router))
