"""GET /admin/orders: every order, newest first, optionally of one status (admins only)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.admin_order_models import StatusFilter
from shop.api.callers import caller
from shop.api.order_models import OrderPage, OrderResponse
from shop.api.paging import DEFAULT_LIMIT, Cursor, Limit
from shop.api.responses import errors, success
from shop.bootstrap import build_admin_order_queries

orders = build_admin_order_queries()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/admin/orders",
    openapi_extensions=ADMIN,
    summary="List all orders",
    tags=["admin"],
    responses=success(OrderPage, "A page of orders, newest first")
    | errors(e400="VALIDATION_ERROR: status, limit or cursor", e403="FORBIDDEN: admins only"),
)
def list_all_orders(
    status: StatusFilter = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> OrderPage:
    caller(router)
    page = orders.list_orders(status, limit, cursor)
    return OrderPage(items=[OrderResponse.of(o) for o in page.items], next_cursor=page.next_cursor)


handler = lambda_entry(make_app(router))
