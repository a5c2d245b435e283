"""POST /orders/{id}/payments: the owner pays a PENDING_PAYMENT order through the payment gateway."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from shop.api import lambda_entry, make_app
from shop.api.access import OWNER
from shop.api.callers import caller
from shop.api.idempotency import IdempotencyKey
from shop.api.models import OrderId
from shop.api.order_models import PaymentOutcome, PaymentRequest
from shop.api.responses import errors, success
from shop.bootstrap import build_idempotency, build_payment_service

payments, idempotency = build_payment_service(), build_idempotency()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/orders/<id>/payments",
    openapi_extensions=OWNER,
    summary="Pay my order",
    tags=["orders"],
    responses=success(PaymentOutcome, "The payment (SUCCEEDED or FAILED) and the order")
    | errors(
        e400="VALIDATION_ERROR: Luhn-invalid or expired card, bad CVC, missing Idempotency-Key",
        e404="NOT_FOUND: no such order of yours",
        e409="INVALID_TRANSITION: the order is not PENDING_PAYMENT (or its reservation expired)",
        e422="IDEMPOTENCY_KEY_REUSED: this key came with another body",
    ),
)
def pay_order(
    order_id: Annotated[OrderId, Path(alias="id")],
    body: Annotated[PaymentRequest, Body()],
    idempotency_key: IdempotencyKey,
) -> Response[str]:
    buyer = caller(router)
    return idempotency.respond(
        user_id=buyer.id,
        operation="pay",
        key=idempotency_key,
        request={"order_id": order_id, "body": body.replay_identity()},
        command=lambda seal: payments.pay(buyer, order_id, body.card(), seal),
        render=PaymentOutcome.of,
    )


handler = lambda_entry(make_app(router))
