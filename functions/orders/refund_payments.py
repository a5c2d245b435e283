"""RefundsQueue -> the payment gateway: each cancelled paid order is refunded once, retried until it is."""

from typing import Any

from aws_lambda_powertools import Logger

from shop.bootstrap import build_refunds_consumer

logger = Logger(service="shop")
consumer = build_refunds_consumer()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return consumer.handle(event, context)
