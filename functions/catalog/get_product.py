"""GET /products/{id}: one product with its available stock (a single read); non-ACTIVE is 404 to non-admins."""

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.catalog_models import ProductResponse, Ref, errors, success
from shop.api.principal import optional_principal
from shop.bootstrap import build_product_service

products = build_product_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/products/<id>",
    summary="Get a product",
    tags=["catalog"],
    responses=success(ProductResponse, "The product")
    | errors(e404="NOT_FOUND (also for products that are not ACTIVE, unless admin)"),
)
def get_product(product_id: Annotated[Ref, Path(alias="id")]) -> ProductResponse:
    viewer = optional_principal(router)
    return ProductResponse.of(products.get_product(product_id, bool(viewer and viewer.is_admin)))


handler = lambda_entry(make_app(router))
