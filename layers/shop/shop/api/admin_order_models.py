"""The admin's side of orders: who may call (admins only) and the `?status=` filter of GET /admin/orders.

The filter takes exactly the order statuses of API.md; anything else is a 400 VALIDATION_ERROR
from the resolver's validation, before the service runs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.openapi.params import Query

from shop.api.order_models import caller_of
from shop.api.principal import Role, require_role
from shop.services.order_ports import Caller

StatusFilter = Annotated[
    Literal["PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"] | None,
    Query(description="Only orders in this status."),
]


def admin_of(router: BaseRouter) -> Caller:
    """The admin calling: no token 401 (UNAUTHORIZED), a guest or customer 403 (FORBIDDEN)."""
    require_role(router, [Role.ADMIN])
    return caller_of(router)
