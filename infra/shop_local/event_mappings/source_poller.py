"""The loop every local poller runs (SQS queues, DynamoDB streams): poll, back off when idle, keep going.

Apart from the pollers themselves so that `poller` (which assembles them all) and `stream_poller`
both build on it without importing each other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from shop_local.json_log import emit as log

Invoke = Callable[[str, dict[str, Any]], Any]
ClientFor = Callable[[str], Any]
IDLE_SLEEP = (0.05, 0.5)  # seconds between empty polls: first, then doubling up to the second


class SourcePoller(threading.Thread):
    """A loop of `poll_once()`; remembers when a poll last found nothing to do (for drain)."""

    def __init__(self, name: str, stopping: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.stopping = stopping
        self.last_empty_poll_started = 0.0
        self.error: str | None = None

    def poll_once(self) -> bool:
        """Process what is there; True if there was anything."""
        raise NotImplementedError

    def caught_up_since(self, moment: float) -> bool:
        return self.last_empty_poll_started > moment

    def run(self) -> None:
        pause = IDLE_SLEEP[0]
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                busy = self.poll_once()
            except Exception as exc:  # noqa: BLE001 - a poller keeps polling, like Lambda's
                self.error = f"{type(exc).__name__}: {exc}"
                log(event="poller_error", poller=self.name, error=self.error)
                busy = False
            else:
                if not busy:
                    self.last_empty_poll_started = started
            pause = IDLE_SLEEP[0] if busy else min(pause * 2, IDLE_SLEEP[1])
            self.stopping.wait(0 if busy else pause)
