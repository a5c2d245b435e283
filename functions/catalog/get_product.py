"""GET /products/{id}: one product with its available stock (a single read); non-ACTIVE is 404 to non-admins."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.callers import viewer
from shop.api.catalog_caching import cacheable_read, catalog_answer
from shop.api.catalog_models import ProductResponse, Ref, errors
from shop.bootstrap import build_product_service

products = build_product_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/products/<id>",
    openapi_extensions=ANYONE,
    summary="Get a product",
    tags=["catalog"],
    responses=cacheable_read(ProductResponse, "The product")
    | errors(e404="NOT_FOUND (also for products that are not ACTIVE, unless admin)"),
)
def get_product(product_id: Annotated[Ref, Path(alias="id")]) -> Response[str]:
    who = viewer(router)
    product = ProductResponse.of(products.get_product(product_id, bool(who and who.is_admin)))
    return catalog_answer(router, who, product)


handler = lambda_entry(make_app(router))
