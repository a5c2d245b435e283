"""The refunds consumer: a cancellation that owes a refund -> the payment gateway -> REFUNDED.

A paid order's cancellation commits its payment as REFUND_PENDING and an `order_cancelled` event
naming it; this consumer gets that event from RefundsQueue. Delivery is at least once and the
gateway may be down, so every step is safe to repeat:

- The payment's own status is the marker: REFUND_PENDING is owed, REFUNDED is done, so a
  redelivered event finds nothing owed and does nothing (no ProcessedEventsTable entry is needed).
- The gateway refund is keyed by the payment id: asked again after a crash between the gateway's
  answer and our commit, the gateway returns the money once, never twice and never not at all.
- Only after the gateway confirmed do we commit the payment as REFUNDED with a `payment_refunded`
  event, its seq conditioned on the order's version. A gateway failure raises, so this record
  alone fails and SQS delivers it again: an outage delays a refund, it never loses one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from shop.domain.bus_messages import BusMessage
from shop.domain.order_event_data import OrderCancelled
from shop.domain.orders import SYSTEM, OrderAggregate, timestamp
from shop.domain.payments import Payment, record_refund
from shop.observability import count
from shop.services.catalog_audit import AuditPort
from shop.services.order_ports import CommitRefused, OrderChange, OrderHistory, OrderStore, PaymentGateway
from shop.services.orders_retry import with_retries

CONSUMER = "refunds"
REFUND_TYPES = frozenset({"order_cancelled"})
logger = Logger(service="shop")


def _retry_refund(refused: CommitRefused) -> bool:
    """Another delivery of the same event may have recorded the refund first: read again and see."""
    return refused.order_changed or refused.retryable


def _owed(history: OrderHistory | None, payment_id: str) -> Payment | None:
    payment = next((p for p in history.payments if p.id == payment_id), None) if history else None
    return payment if payment is not None and payment.status == "REFUND_PENDING" else None


class RefundPayments:
    def __init__(
        self,
        orders: OrderStore,
        gateway: PaymentGateway,
        audit: AuditPort,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._orders, self._gateway, self._audit = orders, gateway, audit
        self._clock, self._sleep = clock, sleep
        self.consumer = CONSUMER

    def settle(self, message: BusMessage) -> bool:
        """Refund what this cancellation owes; True if the refund was recorded by this delivery."""
        data = message.event_data if message.type in REFUND_TYPES else None
        if not isinstance(data, OrderCancelled) or not data.refund_pending or not data.refund_payment_id:
            return False
        payment_id = data.refund_payment_id
        fields = {"event_id": message.id, "order_id": message.order_id, "payment_id": payment_id}
        first_read = self._orders.order_history(message.order_id)
        payment = _owed(first_read, payment_id)
        if payment is None:
            logger.info("no refund owed (already refunded, or no such payment)", extra=fields)
            return False
        if payment.charge_id:
            self._gateway.refund(payment.charge_id, payment.amount_cents, reference=f"refund-{payment.id}")
        reads: Iterator[OrderHistory | None] = iter([first_read])

        def attempt() -> Payment | None:
            history = next(reads, None) or self._orders.order_history(message.order_id)
            owed = _owed(history, payment_id)
            if history is None or owed is None:
                return None  # a concurrent delivery recorded it
            aggregate = OrderAggregate(history.order)
            now = timestamp(self._clock())
            record_refund(aggregate, owed, now, SYSTEM)
            refunded = owed.refunded(now)
            entry = self._audit.draft(
                actor_id=SYSTEM.id,
                actor_role=SYSTEM.role,
                action="payment.refunded",
                target_type="order",
                target_id=message.order_id,
                request_id=message.id,
                details={
                    "payment_id": refunded.id,
                    "amount_cents": refunded.amount_cents,
                    "currency": refunded.currency,
                },
            )
            change = OrderChange(
                aggregate.state, aggregate.pending, aggregate.base_version, refunds=[refunded], audit=[entry]
            )
            self._orders.commit(change)
            return refunded

        refunded = with_retries(attempt, retry_if=_retry_refund, sleep=self._sleep)
        if refunded is None:
            return False
        logger.info("payment refunded", extra=fields | {"amount_cents": refunded.amount_cents})
        count("RefundsCompleted")
        return True
