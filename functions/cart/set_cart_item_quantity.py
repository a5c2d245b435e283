"""PUT /cart/items/{product_id}: set a line's quantity in the caller's cart; 0 removes the line."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from shop.api import lambda_entry, make_app
from shop.api.access import USERS
from shop.api.cart_models import CartItemQuantity, CartResponse, cart_owner
from shop.api.models import Ref
from shop.api.responses import errors, success
from shop.bootstrap import build_cart_service

carts = build_cart_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.put(
    "/cart/items/<product_id>",
    openapi_extensions=USERS,
    summary="Set a quantity in my cart",
    tags=["cart"],
    responses=success(CartResponse, "The cart")
    | errors(
        e400="VALIDATION_ERROR: quantity not 0..99",
        e404="NOT_FOUND: no such ACTIVE product",
        e409="CART_FULL (50 lines), INSUFFICIENT_STOCK, or CURRENCY_MISMATCH (a cart has one currency)",
    ),
)
def set_cart_item_quantity(
    product_id: Annotated[Ref, Path()], body: Annotated[CartItemQuantity, Body()]
) -> CartResponse:
    return CartResponse.of(carts.set_quantity(cart_owner(router), product_id, body.quantity))


handler = lambda_entry(make_app(router))
