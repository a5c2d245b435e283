"""SalesStatsQueue -> sales aggregates: each order event moves the statistics exactly once."""

from typing import Any

from aws_lambda_powertools import Logger

from shop.bootstrap import build_sales_stats_consumer

logger = Logger(service="shop")
consumer = build_sales_stats_consumer()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return consumer.handle(event, context)
