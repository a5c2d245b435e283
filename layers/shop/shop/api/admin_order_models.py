"""The admin's side of orders: who may call (admins only) and the `?status=` filter of GET /admin/orders.

The filter takes exactly the order statuses of API.md; anything else is a 400 VALIDATION_ERROR
from the resolver's validation, before the service runs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

StatusFilter = Annotated[
    Literal["PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"] | None,
    Query(description="Only orders in this status."),
]
