"""The running invocation's deadline, which the one retry policy respects (shop.adapters.aws).

`shop.observability.observed` starts it from the Lambda context of each invocation; outside an
invocation (a command, a test calling a service) there is none and nothing is cut short.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_ends: ContextVar[float | None] = ContextVar("shop_invocation_deadline", default=None)
ATTEMPT_SECONDS = 6.5
"""The longest one attempt of an AWS call can take (shop.adapters.aws: 1 s to connect, 5 s to
read), and a margin."""


@contextmanager
def invocation(context: Any) -> Iterator[None]:
    """While the handler runs: the deadline is the context's remaining time from now."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    ends = time.monotonic() + remaining() / 1000 if callable(remaining) else None
    token = _ends.set(ends)
    try:
        yield
    finally:
        _ends.reset(token)


def seconds_left() -> float | None:
    """Seconds until the running invocation times out; None outside an invocation."""
    ends = _ends.get()
    return None if ends is None else ends - time.monotonic()


def another_attempt_fits() -> bool:
    """Whether one more attempt of a call can end before the invocation times out (always, outside
    an invocation): the services' own retry loops try again only then, as botocore's retries do."""
    left = seconds_left()
    return left is None or left >= ATTEMPT_SECONDS
