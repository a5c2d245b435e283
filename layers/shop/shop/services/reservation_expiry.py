"""The scheduled sweep that cancels unpaid orders whose reservation ended, releasing their stock.

It reads the sparse index of PENDING_PAYMENT orders by expiry (never a Scan) and cancels each
through the same conditional commit as a customer's cancel, so an order paid in the meantime is
left alone. A run stops after `batch` orders or when time runs short; the next run continues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from shop.domain.orders import timestamp
from shop.errors import Conflict
from shop.observability import count
from shop.services.order_ports import CommitRefused, OrderStore
from shop.services.orders_cancel import CancelService

logger = Logger(service="shop")


@dataclass(frozen=True)
class SweepReport:
    due: int
    expired: int
    skipped: int


class ReservationExpiry:
    def __init__(
        self,
        orders: OrderStore,
        cancels: CancelService,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        batch: int = 100,
    ) -> None:
        self._orders, self._cancels, self._clock, self._batch = orders, cancels, clock, batch

    def sweep(self, time_left: Callable[[], float] = lambda: float("inf")) -> SweepReport:
        """`time_left` (seconds) lets the Lambda stop cleanly before its timeout."""
        due = self._orders.due_reservations(timestamp(self._clock()), self._batch)
        expired = skipped = 0
        for order_id in due:
            if time_left() < 2:
                break
            try:
                done = self._cancels.expire(order_id)
            except (CommitRefused, Conflict):
                logger.exception("could not expire an order", extra={"order_id": order_id})
                done = False
            expired, skipped = (expired + 1, skipped) if done else (expired, skipped + 1)
        report = SweepReport(len(due), expired, skipped)
        if expired:
            count("ReservationsExpired", expired)
        logger.info("reservation sweep", extra={"due": report.due, "expired": expired, "skipped": skipped})
        return report
