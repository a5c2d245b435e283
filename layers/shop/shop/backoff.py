"""Writes that lost a race, tried again: one loop and one wait for every service and adapter.

An optimistic write (a version or a chain place read before it) that another writer got to first
reads afresh and tries again, after a full-jitter exponential backoff so that the writers spread:
at most MAX_ATTEMPTS attempts in all, and another only while it fits in the invocation's time
(shop.deadline). What is still losing after that is the caller's to refuse (a 409, never a 500).
The policy is written down in docs/decisions/retry-policy.md.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from shop import deadline

BASE_DELAY_SECONDS = 0.02
MAX_DELAY_SECONDS = 0.5
MAX_ATTEMPTS = 8

T = TypeVar("T")
E = TypeVar("E", bound=Exception)


def backoff_delay(attempt: int) -> float:
    """Seconds to wait after the `attempt`-th lost race (0 first): uniform up to a doubling ceiling."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2**attempt)
    return random.uniform(0, ceiling)  # noqa: S311 - jitter, not crypto


def retried(
    attempt: Callable[[], T],
    *,
    lost: type[E],
    gave_up: Callable[[E], Exception],
    retry_if: Callable[[E], bool] = lambda _: True,
    attempts: int = MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `attempt` (which reads afresh each time) until it raises no `lost`. A `lost` that
    `retry_if` rejects propagates at once; one still raised after `attempts`, or when another
    attempt would not fit in the invocation, becomes `gave_up(it)`."""
    for number in range(attempts):
        try:
            return attempt()
        except lost as exc:
            if not retry_if(exc):
                raise
            if number == attempts - 1 or not deadline.another_attempt_fits():
                raise gave_up(exc) from exc
            sleep(backoff_delay(number))
    raise AssertionError("unreachable")
