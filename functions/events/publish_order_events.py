"""OrdersTable stream -> order events topic: the only way committed order events reach the bus."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Any

from shop.bootstrap import build_order_event_publisher
from shop.observability import observed

publisher = build_order_event_publisher()


@observed
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return publisher.handle(event, context)
