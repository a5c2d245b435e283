"""Order commits that lost a race, tried again (shop.backoff.retried): two checkouts touching the
same product, or a cart edited between read and commit, refuse a transaction that would succeed a
moment later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from shop.backoff import MAX_ATTEMPTS, retried
from shop.errors import Contention
from shop.services.order_ports import CommitRefused

T = TypeVar("T")


def with_retries(
    attempt: Callable[[], T],
    *,
    retry_if: Callable[[CommitRefused], bool] = lambda refused: refused.retryable,
    attempts: int = MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `attempt` (which reads afresh each time) until it commits; a refusal that `retry_if`
    rejects propagates at once, and one still refused after `attempts`, or when another attempt
    would not fit in the invocation's time, becomes a 409 CONFLICT (Contention)."""
    return retried(
        attempt,
        lost=CommitRefused,
        gave_up=lambda _: Contention("The order changed concurrently too many times; retry the request."),
        retry_if=retry_if,
        attempts=attempts,
        sleep=sleep,
    )
