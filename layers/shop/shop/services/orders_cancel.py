"""Cancelling an order: release its reservation, or for a paid order restock and owe the refund.

Nothing here calls the payment gateway. A paid order's cancellation commits, in one transaction,
the CANCELLED order, its stock back and its payment as REFUND_PENDING; the `order_cancelled` event
it commits is what the refunds consumer (shop.services.refunds) acts on, retrying until the
gateway confirms. So a crash or a gateway outage after the commit delays a refund, never loses it,
and once CANCELLED the order's version condition stops a concurrent shipment: money is never
returned for goods that leave.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from shop.domain.audit_chain import AuditDraft
from shop.domain.callers import Caller
from shop.domain.orders import SYSTEM, CancelReason, EventActor, Order, OrderAggregate, timestamp
from shop.domain.payments import Payment
from shop.errors import NotFound
from shop.observability import count
from shop.services.catalog_audit import AuditPort
from shop.services.order_ports import (
    CommitRefused,
    OrderChange,
    OrderStore,
    StockMoveKind,
    stock_moves,
)
from shop.services.orders_retry import with_retries


def _retry_cancel(refused: CommitRefused) -> bool:
    """The order moved on (paid, cancelled) under us: read it again and decide afresh."""
    return refused.order_changed or refused.retryable


class CancelService:
    def __init__(
        self,
        orders: OrderStore,
        audit: AuditPort,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._orders, self._audit = orders, audit
        self._clock, self._sleep = clock, sleep

    def cancel(self, caller: Caller, order_id: str) -> Order:
        """The owner (reason CUSTOMER) or an admin (reason ADMIN) cancels; others get 404."""

        def attempt() -> tuple[Order, Payment | None]:
            history = self._orders.order_history(order_id)
            if history is None or not (caller.is_admin or history.order.user_id == caller.id):
                raise NotFound("No such order.")
            reason: CancelReason = "CUSTOMER" if history.order.user_id == caller.id else "ADMIN"
            actor = EventActor(caller.id, caller.role)
            return self._commit(history.order, history.payments, reason, actor, caller)

        order, owed = with_retries(attempt, retry_if=_retry_cancel, sleep=self._sleep)
        count("OrdersCancelled")
        if owed is not None:
            count("RefundsPending")
        return order

    def expire(self, order_id: str) -> bool:
        """Cancel one order whose reservation ended (reason RESERVATION_EXPIRED). False when it was
        paid, cancelled or extended meanwhile: the version condition settles the race with a payment."""

        def attempt() -> bool:
            order = self._orders.get_order(order_id)
            if order is None or order.status != "PENDING_PAYMENT":
                return False
            if order.reservation_expires_at > timestamp(self._clock()):
                return False
            self._commit(order, (), "RESERVATION_EXPIRED", SYSTEM, None)
            return True

        return with_retries(attempt, retry_if=_retry_cancel, sleep=self._sleep)

    def _commit(
        self,
        order: Order,
        payments: Sequence[Payment],
        reason: CancelReason,
        actor: EventActor,
        caller: Caller | None,
    ) -> tuple[Order, Payment | None]:
        """Commit the cancellation; a caller's cancel is audited when it owes a refund or when an
        admin cancels someone else's order, in the same transaction."""
        now = timestamp(self._clock())
        paid = next((p for p in payments if p.status == "SUCCEEDED"), None)
        refund = paid if order.status == "PAID" else None
        aggregate = OrderAggregate(order)
        if refund is None:
            aggregate.cancel(reason, now, actor)
        else:
            aggregate.cancel(reason, now, actor, refund.amount_cents, refund.id)
        kind: StockMoveKind = "restock" if order.status == "PAID" else "release"
        change = OrderChange(
            aggregate.state,
            aggregate.pending,
            aggregate.base_version,
            stock=stock_moves(order.items, kind),
            refunds=[refund.refund_pending()] if refund else [],
            pending_slot="release" if order.status == "PENDING_PAYMENT" else None,
            audit=self._entries(caller, order, refund) if caller is not None else (),
        )
        self._orders.commit(change)
        return aggregate.state, refund

    def _entries(self, caller: Caller, order: Order, owed: Payment | None) -> list[AuditDraft]:
        entries = []
        if owed is not None:
            details = {"payment_id": owed.id, "amount_cents": owed.amount_cents, "currency": owed.currency}
            entries.append(self._entry(caller, "payment.refund_requested", order.id, details))
        if caller.is_admin and order.user_id != caller.id:
            entries.append(
                self._entry(caller, "order.cancelled", order.id, {"previous_status": order.status})
            )
        return entries

    def _entry(self, caller: Caller, action: str, order_id: str, details: dict[str, object]) -> AuditDraft:
        return self._audit.draft(
            actor_id=caller.id,
            actor_role=caller.role,
            action=action,
            target_type="order",
            target_id=order_id,
            request_id=caller.request_id,
            details=details,
        )
