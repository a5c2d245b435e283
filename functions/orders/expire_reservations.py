"""Scheduled every minute: cancel unpaid orders whose reservation ended (RESERVATION_EXPIRED)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Any

from shop.bootstrap import build_reservation_expiry
from shop.observability import observed

expiry = build_reservation_expiry()


@observed
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    report = expiry.sweep(time_left=lambda: context.get_remaining_time_in_millis() / 1000)
    return {"due": report.due, "expired": report.expired, "skipped": report.skipped}
