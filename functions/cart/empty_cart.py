"""DELETE /cart: empty the caller's cart."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import USERS
from shop.api.cart_models import cart_owner
from shop.api.responses import no_content
from shop.bootstrap import build_cart_service

carts = build_cart_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.delete(
    "/cart",
    openapi_extensions=USERS,
    summary="Empty my cart",
    tags=["cart"],
    status_code=204,
    responses=no_content("Emptied"),
)
def empty_cart() -> Response[str]:
    carts.empty(cart_owner(router))
    return Response(status_code=204, body="")


handler = lambda_entry(make_app(router))
