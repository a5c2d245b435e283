"""Response body of GET /admin/stats/sales."""

from __future__ import annotations

from pydantic import Field

from shop.api.models import ResponseModel
from shop.services.sales_stats_report import SalesReport


class DaySales(ResponseModel):
    date: str = Field(description="A UTC day, YYYY-MM-DD.")
    orders_count: int
    revenue_cents: int


class ProductSales(ResponseModel):
    product_id: str
    name: str
    units: int
    revenue_cents: int


class SalesStatsResponse(ResponseModel):
    orders_count: int = Field(description="Orders paid in the range, less those refunded since.")
    revenue_cents: int = Field(description="Money captured in the range, less its refunds.")
    average_order_cents: int = Field(description="revenue_cents // orders_count (0 without orders).")
    by_day: list[DaySales] = Field(description="Every day of the range, oldest first, zeros included.")
    top_products: list[ProductSales] = Field(description="Up to 10 products by net revenue, highest first.")
    by_status: dict[str, int] = Field(
        description="Orders created in the range by their current status (every status listed)."
    )

    @classmethod
    def of(cls, report: SalesReport) -> SalesStatsResponse:
        return cls(
            orders_count=report.orders_count,
            revenue_cents=report.revenue_cents,
            average_order_cents=report.average_order_cents,
            by_day=[
                DaySales(date=d.day, orders_count=d.orders_count, revenue_cents=d.revenue_cents)
                for d in report.by_day
            ],
            top_products=[
                ProductSales(
                    product_id=p.product_id, name=p.name, units=p.units, revenue_cents=p.revenue_cents
                )
                for p in report.top_products
            ],
            by_status=dict(report.by_status),
        )
