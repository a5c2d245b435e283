"""Paying an order: charge the card through the gateway port, then record the outcome on the order.

The charge happens before the commit (we must know the outcome to record it). The order's version
condition lets only one payment succeed: a charge whose commit loses to a concurrent payment,
cancellation or expiry is refunded through the same port before the caller hears the 409.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shop.domain.audit_chain import AuditDraft
from shop.domain.callers import Caller
from shop.domain.orders import EventActor, Order, OrderAggregate, timestamp
from shop.domain.payments import Card, Charge, Payment, record_payment
from shop.errors import InvalidTransition, NotFound
from shop.observability import count
from shop.services.catalog_audit import AuditPort
from shop.services.order_ports import (
    CommitRefused,
    OrderChange,
    OrderStore,
    PaymentGateway,
    Seal,
    stock_moves,
)
from shop.services.orders_retry import with_retries


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    order: Order


def _retry_payment(refused: CommitRefused) -> bool:
    return refused.order_changed or refused.retryable


class PaymentService:
    def __init__(
        self,
        orders: OrderStore,
        gateway: PaymentGateway,
        audit: AuditPort,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        expire: Callable[[str], bool] = lambda order_id: False,
    ) -> None:
        """`expire`: cancels an order whose reservation ended (CancelService.expire), so that a
        payment arriving after the window finds, and leaves, the order as the sweep would."""
        self._orders, self._gateway, self._audit = orders, gateway, audit
        self._clock, self._sleep, self._expire = clock, sleep, expire

    def pay(
        self, caller: Caller, order_id: str, card: Card, seal: Seal[PaymentResult] | None = None
    ) -> PaymentResult:
        """Charge the order's total. A declined card is a FAILED payment (200; the order stays payable)."""
        order = self._payable(caller, self._orders.get_order(order_id))
        payment_id = uuid.uuid4().hex
        charge = self._gateway.charge(card, order.total_cents, order.currency, reference=payment_id)
        payment = Payment(
            id=payment_id,
            order_id=order.id,
            status="SUCCEEDED" if charge.approved else "FAILED",
            amount_cents=order.total_cents,
            currency=order.currency,
            card_brand=card.brand,
            card_last4=card.last4,
            failure_reason=None if charge.approved else (charge.failure_reason or "card_declined"),
            created_at=timestamp(self._clock()),
            charge_id=charge.charge_id if charge.approved else None,
        )
        reads = iter([order])

        def attempt() -> PaymentResult:
            current = next(reads, None) or self._payable(caller, self._orders.get_order(order_id))
            return self._record(caller, current, payment, seal)

        committed = False
        try:
            result = with_retries(attempt, retry_if=_retry_payment, sleep=self._sleep)
            committed = True
        finally:
            if not committed:
                self._void(caller, charge, payment)
        count("PaymentsSucceeded" if payment.status == "SUCCEEDED" else "PaymentsFailed")
        return result

    def _payable(self, caller: Caller, order: Order | None) -> Order:
        if order is None or order.user_id != caller.id:
            raise NotFound("No such order.")
        if order.status != "PENDING_PAYMENT":
            raise InvalidTransition(
                f"Only an order in PENDING_PAYMENT can be paid; this one is {order.status}."
            )
        if order.reservation_expires_at <= timestamp(self._clock()):
            if self._expire(order.id):  # what the sweep would do within the minute, done now
                raise InvalidTransition("The order's reservation expired; it is now CANCELLED.")
            raise InvalidTransition("The order's reservation has expired; it is being cancelled.")
        return order

    def _record(
        self, caller: Caller, order: Order, payment: Payment, seal: Seal[PaymentResult] | None
    ) -> PaymentResult:
        aggregate = OrderAggregate(order)
        record_payment(aggregate, payment, payment.created_at, EventActor(caller.id, caller.role))
        result = PaymentResult(payment, aggregate.state)
        moves = []
        if payment.status == "SUCCEEDED":
            moves = stock_moves(order.items, "sell")
        change = OrderChange(
            aggregate.state,
            aggregate.pending,
            aggregate.base_version,
            stock=moves,
            new_payments=[payment],
            foreign=[seal(result)] if seal is not None else [],
            pending_slot="release" if payment.status == "SUCCEEDED" else None,
            audit=[self._payment_entry(caller, payment, f"payment.{payment.status.lower()}")],
        )
        self._orders.commit(change)
        return result

    def _void(self, caller: Caller, charge: Charge, payment: Payment) -> None:
        """The charge was not recorded on the order: give the money back."""
        if charge.approved and charge.charge_id:
            self._gateway.refund(charge.charge_id, payment.amount_cents, reference=f"void-{payment.id}")
            self._audit.record(**self._payment_entry_fields(caller, payment, "payment.voided"))
            count("PaymentsVoided")

    def _payment_entry(self, caller: Caller, payment: Payment, action: str) -> AuditDraft:
        return self._audit.draft(**self._payment_entry_fields(caller, payment, action))

    @staticmethod
    def _payment_entry_fields(caller: Caller, payment: Payment, action: str) -> dict[str, Any]:
        return dict(
            actor_id=caller.id,
            actor_role=caller.role,
            action=action,
            target_type="order",
            target_id=payment.order_id,
            request_id=caller.request_id,
            details={
                "payment_id": payment.id,
                "amount_cents": payment.amount_cents,
                "currency": payment.currency,
                "card_brand": payment.card_brand,
                "card_last4": payment.card_last4,
                "failure_reason": payment.failure_reason,
            },
        )
