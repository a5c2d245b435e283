"""GET /admin/stats/sales?from=YYYY-MM-DD&to=YYYY-MM-DD: sales from the projected day aggregates."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.responses import errors, success
from shop.api.stats_models import SalesStatsResponse
from shop.bootstrap import build_sales_reports

reports = build_sales_reports()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated

# Plain strings, checked by the service after the role check: a customer gets 403 whatever the dates.
From = Annotated[
    str | None, Query(alias="from", description="First UTC day, YYYY-MM-DD (default: 29 days before `to`).")
]
To = Annotated[str | None, Query(alias="to", description="Last UTC day, YYYY-MM-DD (default: today).")]


@router.get(
    "/admin/stats/sales",
    openapi_extensions=ADMIN,
    summary="Sales statistics",
    tags=["admin"],
    responses=success(SalesStatsResponse, "Sales of the range, net of refunds")
    | errors(
        e400="VALIDATION_ERROR: malformed dates, from after to, or more than 366 days",
        e403="FORBIDDEN: admins only",
    ),
)
def get_sales_stats(first: From = None, last: To = None) -> SalesStatsResponse:
    return SalesStatsResponse.of(reports.report(first, last))


handler = lambda_entry(make_app(router))
