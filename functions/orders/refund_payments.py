"""RefundsQueue -> the payment gateway: each cancelled paid order is refunded once, retried until it is."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Any

from shop.bootstrap import build_refunds_consumer
from shop.observability import observed

consumer = build_refunds_consumer()


@observed
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return consumer.handle(event, context)
