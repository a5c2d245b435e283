"""Payments: card checks (Luhn, expiry, brand), the payment record, and the events a payment adds.

A card's number and CVC live only in `Card` for the length of one charge; `Card` never prints
them, and a `Payment` keeps only the brand and the last four digits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, TypeVar

from shop.domain.order_event_data import PaymentFailed, PaymentRefunded, PaymentSucceeded
from shop.domain.orders import EventActor, Order, OrderAggregate

PaymentStatus = Literal["SUCCEEDED", "FAILED", "REFUND_PENDING", "REFUNDED"]
REFUND_STEPS: Mapping[str, str] = {"REFUND_PENDING": "SUCCEEDED", "REFUNDED": "REFUND_PENDING"}
"""A refund's two steps: the status a payment moves to, and the status it must have to move there."""
CARD_NUMBER_PATTERN = r"^[0-9]{12,19}$"
CVC_PATTERN = r"^[0-9]{3,4}$"
_BRANDS: tuple[tuple[str, str], ...] = (
    ("amex", r"^3[47]"),
    ("visa", r"^4"),
    ("mastercard", r"^(5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720)"),
    ("discover", r"^(6011|65|64[4-9])"),
    ("jcb", r"^35(2[89]|[3-8])"),
    ("diners", r"^3(0[0-5]|[689])"),
)


def luhn_valid(number: str) -> bool:
    if not re.fullmatch(CARD_NUMBER_PATTERN, number):
        return False
    total = 0
    for i, digit in enumerate(int(c) for c in reversed(number)):
        doubled = digit * 2 if i % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def card_brand(number: str) -> str:
    return next((brand for brand, prefix in _BRANDS if re.match(prefix, number)), "unknown")


def card_expired(exp_month: int, exp_year: int, today: date) -> bool:
    """A card is good through the last day of its expiry month."""
    return (exp_year, exp_month) < (today.year, today.month)


@dataclass(frozen=True)
class Card:
    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def brand(self) -> str:
        return card_brand(self.number)


@dataclass(frozen=True)
class Charge:
    """What the gateway answered; `charge_id` names an approved charge for a later refund."""

    approved: bool
    charge_id: str | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class Payment:
    id: str
    order_id: str
    status: PaymentStatus
    amount_cents: int
    currency: str
    card_brand: str
    card_last4: str
    failure_reason: str | None
    created_at: str
    charge_id: str | None = None
    refunded_at: str | None = None

    def refund_pending(self) -> Payment:
        """Owed back: the order's cancellation commits this, the refunds consumer settles it."""
        return replace(self, status="REFUND_PENDING")

    def refunded(self, at: str) -> Payment:
        return replace(self, status="REFUNDED", refunded_at=at)


def record_payment(order: OrderAggregate, payment: Payment, at: str, actor: EventActor) -> None:
    """payment_succeeded (order becomes PAID) or payment_failed (stays payable) on the order."""
    if payment.status == "SUCCEEDED":
        order.record(_settled(PaymentSucceeded, order.state, payment), at, actor)
        return
    failed = PaymentFailed(
        payment_id=payment.id,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        card_brand=payment.card_brand,
        card_last4=payment.card_last4,
        failure_reason=payment.failure_reason,
    )
    order.record(failed, at, actor)


def record_refund(order: OrderAggregate, payment: Payment, at: str, actor: EventActor) -> None:
    """payment_refunded on the cancelled order, once the gateway has given the money back.

    Its data is what the sales statistics take off the day of payment: the amount and the lines.
    """
    order.record(_settled(PaymentRefunded, order.state, payment), at, actor)


Settled = TypeVar("Settled", PaymentSucceeded, PaymentRefunded)


def _settled(kind: type[Settled], s: Order, payment: Payment) -> Settled:
    return kind(
        payment_id=payment.id,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        card_brand=payment.card_brand,
        card_last4=payment.card_last4,
        user_id=s.user_id,
        items=s.items,
        total_cents=s.total_cents,
    )
