"""POST /checkout: the caller's cart becomes an order in PENDING_PAYMENT with its stock reserved."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.api import lambda_entry, make_app
from shop.api.access import MEMBERS
from shop.api.callers import caller
from shop.api.idempotency import IdempotencyKey
from shop.api.order_models import CheckoutRequest, OrderResponse
from shop.api.responses import errors, success
from shop.bootstrap import build_checkout_service, build_idempotency

checkouts, idempotency = build_checkout_service(), build_idempotency()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/checkout",
    openapi_extensions=MEMBERS,
    summary="Check out my cart",
    tags=["orders"],
    responses=success(OrderResponse, "The order, PENDING_PAYMENT, stock reserved", 201)
    | errors(
        e400="VALIDATION_ERROR: bad address, or a missing Idempotency-Key",
        e403="LOGIN_REQUIRED: guests must log in",
        e409=(
            "CART_EMPTY, OUT_OF_STOCK (details: every short line), TOO_MANY_OPEN_ORDERS (5 orders"
            " await payment; nothing reserved), CURRENCY_MISMATCH, CONFLICT"
        ),
        e422="IDEMPOTENCY_KEY_REUSED: this key came with another body",
    ),
)
def checkout(body: Annotated[CheckoutRequest, Body()], idempotency_key: IdempotencyKey) -> Response[str]:
    buyer = caller(router)
    address = body.shipping_address.postal()
    return idempotency.respond(
        user_id=buyer.id,
        operation="checkout",
        key=idempotency_key,
        request=body.model_dump(),
        command=lambda seal: checkouts.checkout(buyer, address, seal),
        render=OrderResponse.of,
        status=201,
        lock=False,  # the order's transaction writes the record on condition the key is free
    )


handler = lambda_entry(make_app(router))
