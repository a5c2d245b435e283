"""Bounded retries with full-jitter exponential backoff for optimistic writes that lost a race.

Two checkouts touching the same product, or a cart edited between read and commit, refuse a
transaction that would succeed a moment later; retrying quickly with jitter spreads the writers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from shop import deadline
from shop.backoff import backoff_delay
from shop.errors import Contention
from shop.services.order_ports import CommitRefused

T = TypeVar("T")
MAX_ATTEMPTS = 8


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
    for number in range(attempts):
        try:
            return attempt()
        except CommitRefused as refused:
            if not retry_if(refused):
                raise
            if number == attempts - 1 or not deadline.another_attempt_fits():
                raise Contention(
                    "The order changed concurrently too many times; retry the request."
                ) from refused
            sleep(backoff_delay(number))
    raise AssertionError("unreachable")
