"""NotificationsQueue -> customer emails: confirmation, payment receipt, shipped, delivered."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Any

from shop.bootstrap import build_notifications_consumer
from shop.observability import observed

consumer = build_notifications_consumer()


@observed
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return consumer.handle(event, context)
