"""POST /cart/items: add units of a product to the caller's cart (nothing is reserved)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.api import lambda_entry, make_app
from shop.api.access import USERS
from shop.api.cart_models import CartResponse, NewCartItem, cart_owner
from shop.api.responses import errors, success
from shop.bootstrap import build_cart_service

carts = build_cart_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/cart/items",
    openapi_extensions=USERS,
    summary="Add to my cart",
    tags=["cart"],
    responses=success(CartResponse, "The cart, the line's quantity increased")
    | errors(
        e400="VALIDATION_ERROR: quantity not 1..99, or the line would pass 99",
        e404="NOT_FOUND: no such ACTIVE product",
        e409="CART_FULL (50 lines), INSUFFICIENT_STOCK, or CURRENCY_MISMATCH (a cart has one currency)",
    ),
)
def add_cart_item(body: Annotated[NewCartItem, Body()]) -> CartResponse:
    return CartResponse.of(carts.add_item(cart_owner(router), body.product_id, body.quantity))


handler = lambda_entry(make_app(router))
