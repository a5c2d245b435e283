"""SalesStatsQueue -> sales aggregates: each order event moves the statistics exactly once."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Any

from shop.bootstrap import build_sales_stats_consumer
from shop.observability import observed

consumer = build_sales_stats_consumer()


@observed
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return consumer.handle(event, context)
