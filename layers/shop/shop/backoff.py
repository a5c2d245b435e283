"""The wait before another try of a write that lost a race: full-jitter exponential backoff.

Shared by the services' order commits (shop.services.orders_retry) and the stock adjustments
(shop.adapters.catalog.inventory_dynamo), so that both spread their writers the same way.
"""

from __future__ import annotations

import random

BASE_DELAY_SECONDS = 0.02
MAX_DELAY_SECONDS = 0.5


def backoff_delay(attempt: int) -> float:
    """Seconds to wait after the `attempt`-th lost race (0 first): uniform up to a doubling ceiling."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2**attempt)
    return random.uniform(0, ceiling)  # noqa: S311 - jitter, not crypto
