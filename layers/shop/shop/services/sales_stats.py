"""The sales statistics projector: one order event in, the day aggregates moved exactly once.

Each event is a read of the order's tally and one transaction (tally and day items). The tally's
version makes the read-modify-write safe when two events of one order are handled at the same time
(another container, another batch): the loser re-reads and projects again. The tally also holds
the seqs of the events it projected, so it is the consumer's processed marker: a redelivered event
is seen there and written nowhere.
"""

from __future__ import annotations

from typing import Protocol

from aws_lambda_powertools import Logger

from shop.domain.bus_messages import BusMessage
from shop.domain.sales_stats import PROJECTED_TYPES, OrderTally, Projection, project

CONSUMER = "sales-stats"
STALE_ATTEMPTS = 3
logger = Logger(service="shop")


class StaleTally(RuntimeError):
    """The order's tally changed since it was read: project the event again on the new one."""


class SalesStatsStore(Protocol):
    def tally(self, order_id: str) -> OrderTally:
        """The order's tally; an empty one (version 0) if no event of the order was projected yet."""
        ...

    def commit(self, projection: Projection) -> None:
        """Write the tally and the day changes together.

        Raises StaleTally if the stored tally is no longer `projection.before`.
        """
        ...


class SalesStatsProjector:
    def __init__(self, store: SalesStatsStore, consumer: str = CONSUMER) -> None:
        self._store = store
        self.consumer = consumer

    def apply(self, message: BusMessage) -> bool:
        """Project one event; True if it changed the statistics now, False if it was already applied."""
        if message.type not in PROJECTED_TYPES:
            return False
        data = message.event_data
        for attempt in range(1, STALE_ATTEMPTS + 1):
            tally = self._store.tally(message.order_id)
            if message.seq in tally.applied:
                logger.info("event already projected", extra={"event_id": message.id})
                return False
            projection = project(tally, message.seq, message.occurred_at, data)
            try:
                self._store.commit(projection)
            except StaleTally:
                if attempt == STALE_ATTEMPTS:
                    raise
                continue
            return True
        return False  # not reached: the last attempt returns or raises
