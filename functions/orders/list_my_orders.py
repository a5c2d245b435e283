"""GET /orders: the caller's own orders, newest first, paged."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import ACCOUNT_HOLDERS
from shop.api.callers import caller
from shop.api.order_models import OrderPage, OrderResponse
from shop.api.paging import DEFAULT_LIMIT, Cursor, Limit
from shop.api.responses import errors, success
from shop.bootstrap import build_order_queries

orders = build_order_queries()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/orders",
    openapi_extensions=ACCOUNT_HOLDERS,
    summary="My orders",
    tags=["orders"],
    responses=success(OrderPage, "A page of my orders, newest first")
    | errors(e400="VALIDATION_ERROR: limit or cursor", e403="FORBIDDEN: guests have no orders"),
)
def list_my_orders(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> OrderPage:
    page = orders.my_orders(caller(router), limit, cursor)
    return OrderPage(items=[OrderResponse.of(o) for o in page.items], next_cursor=page.next_cursor)


handler = lambda_entry(make_app(router))
