"""GET /cart: the caller's cart, priced with the catalog's current prices (GetItem + BatchGetItem)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import USERS
from shop.api.cart_models import CartResponse, cart_owner
from shop.api.responses import success
from shop.bootstrap import build_cart_service

carts = build_cart_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/cart",
    openapi_extensions=USERS,
    summary="Get my cart",
    tags=["cart"],
    responses=success(CartResponse, "The cart"),
)
def get_cart() -> CartResponse:
    return CartResponse.of(carts.view(cart_owner(router)))


handler = lambda_entry(make_app(router))
