"""NotificationsQueue -> customer emails: confirmation, payment receipt, shipped, delivered."""

from typing import Any

from aws_lambda_powertools import Logger

from shop.bootstrap import build_notifications_consumer

logger = Logger(service="shop")
consumer = build_notifications_consumer()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return consumer.handle(event, context)
