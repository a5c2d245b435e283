"""DELETE /cart/items/{product_id}: remove a line from the caller's cart (no line: the cart as it is,
or 404 when the product is unknown or not on sale)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.access import USERS
from shop.api.cart_models import CartResponse, cart_owner
from shop.api.models import Ref
from shop.api.responses import errors, success
from shop.bootstrap import build_cart_service

carts = build_cart_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.delete(
    "/cart/items/<product_id>",
    openapi_extensions=USERS,
    summary="Remove a line from my cart",
    tags=["cart"],
    responses=success(CartResponse, "The cart without the line")
    | errors(e404="NOT_FOUND: the line is not in the cart and its product is unknown or not on sale"),
)
def remove_cart_item(product_id: Annotated[Ref, Path()]) -> CartResponse:
    return CartResponse.of(carts.remove_item(cart_owner(router), product_id))


handler = lambda_entry(make_app(router))
