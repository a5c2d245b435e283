"""The sales report's read: a range of days is one Query over StatsTable's `SALES` partition.

Day items and product-day items of a day share the `DAY#<date>` sort-key prefix, so the range
`DAY#<first>` .. `DAY#<last>#~` holds both; the answer is paged by DynamoDB (1 MB a page), which
keeps it to a few calls for a year of days however many orders they hold.
"""

from __future__ import annotations

from typing import Any

from shop.adapters.dynamo_codec import from_item
from shop.adapters.dynamo_paging import every_item
from shop.adapters.stats.sales_stats_dynamo import SALES_PK, STATUS_PREFIX
from shop.services.sales_stats_report import DayTotals, ProductDayTotals


def _day(item: dict[str, Any]) -> DayTotals:
    statuses = {k[len(STATUS_PREFIX) :]: int(v) for k, v in item.items() if k.startswith(STATUS_PREFIX)}
    return DayTotals(
        item["day"], int(item.get("orders_count", 0)), int(item.get("revenue_cents", 0)), statuses
    )


def _product_day(item: dict[str, Any]) -> ProductDayTotals:
    return ProductDayTotals(
        item["day"], item["product_id"], item["name"], int(item["units"]), int(item["revenue_cents"])
    )


class DynamoSalesDays:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def days(self, first: str, last: str) -> tuple[list[DayTotals], list[ProductDayTotals]]:
        days: list[DayTotals] = []
        products: list[ProductDayTotals] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":pk": {"S": SALES_PK},
                ":first": {"S": f"DAY#{first}"},
                ":last": {"S": f"DAY#{last}#~"},  # "~" sorts after every product suffix of that day
            },
        }
        for raw in every_item(self._db.query, request):
            item = from_item(raw)
            if "product_id" in item:
                products.append(_product_day(item))
            else:
                days.append(_day(item))
        return days, products
