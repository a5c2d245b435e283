"""GET /orders/{id}/payments: an order's payment attempts, oldest first (owner or admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.catalog_models import errors, success
from shop.api.order_models import OrderId, PaymentList, PaymentResponse, caller_of
from shop.bootstrap import build_order_queries

orders = build_order_queries()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/orders/<id>/payments",
    summary="An order's payments",
    tags=["orders"],
    responses=success(PaymentList, "Payments, oldest first") | errors(e404="NOT_FOUND"),
)
def list_order_payments(order_id: Annotated[OrderId, Path(alias="id")]) -> PaymentList:
    return PaymentList(items=[PaymentResponse.of(p) for p in orders.payments(caller_of(router), order_id)])


handler = lambda_entry(make_app(router))
