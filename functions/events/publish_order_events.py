"""OrdersTable stream -> order events topic: the only way committed order events reach the bus."""

from typing import Any

from aws_lambda_powertools import Logger

from shop.bootstrap import build_order_event_publisher

logger = Logger(service="shop")
publisher = build_order_event_publisher()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return publisher.handle(event, context)
