"""GET /orders/{id}/payments: an order's payment attempts, oldest first (owner or admin)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.access import OWNER_OR_ADMIN
from shop.api.callers import caller
from shop.api.models import OrderId
from shop.api.order_models import PaymentList, PaymentResponse
from shop.api.responses import errors, success
from shop.bootstrap import build_order_payment_queries

orders = build_order_payment_queries()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/orders/<id>/payments",
    openapi_extensions=OWNER_OR_ADMIN,
    summary="An order's payments",
    tags=["orders"],
    responses=success(PaymentList, "Payments, oldest first") | errors(e404="NOT_FOUND"),
)
def list_order_payments(order_id: Annotated[OrderId, Path(alias="id")]) -> PaymentList:
    return PaymentList(items=[PaymentResponse.of(p) for p in orders.payments(caller(router), order_id)])


handler = lambda_entry(make_app(router))
