"""The mock payment gateway: answers by card number as API.md says, so tests can script outcomes.

4242424242424242 succeeds; 4000000000009995 fails with insufficient_funds; every other number
(4000000000000002 included) is declined with card_declined. A real gateway adapter implements
the same port (shop.services.order_ports.PaymentGateway) and nothing else changes. It keeps the
charges it issued and the refunds it made in memory, only so that tests can look and count; it
never sees a card number beyond this call and never logs one.

Refunds are idempotent on their reference, as real gateways' idempotency keys are: a refund asked
for again (a retry after a crash, a redelivered event) returns money once. `fail_refunds(n)`
scripts an outage: the next n refund requests fail with GatewayUnavailable and do nothing.

A gateway lives outside the shop: every function of one process (the local shop runs them all in
one) talks to the same one, `THE_GATEWAY`, even when each function has its own composition root.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from shop.domain.payments import Card, Charge
from shop.services.order_ports import GatewayUnavailable

APPROVED = "4242424242424242"
FAILURES = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}


@dataclass(frozen=True)
class Refund:
    reference: str
    charge_id: str
    amount_cents: int


class MockPaymentGateway:
    def __init__(self) -> None:
        self.charged: dict[str, int] = {}
        self.refunded: dict[str, int] = {}
        self.refunds: list[Refund] = []
        self._outage = 0
        self._lock = threading.Lock()  # the local shop runs handlers on threads of one process

    def charge(self, card: Card, amount_cents: int, currency: str, reference: str) -> Charge:
        if card.number != APPROVED:
            return Charge(approved=False, failure_reason=FAILURES.get(card.number, "card_declined"))
        charge_id = f"ch_{uuid.uuid4().hex}"
        with self._lock:
            self.charged[charge_id] = amount_cents
        return Charge(approved=True, charge_id=charge_id)

    def refund(self, charge_id: str, amount_cents: int, reference: str) -> None:
        with self._lock:
            if self._outage:
                self._outage -= 1
                raise GatewayUnavailable("the payment gateway is unavailable")
            if any(made.reference == reference for made in self.refunds):
                return
            self.refunds.append(Refund(reference, charge_id, amount_cents))
            self.refunded[charge_id] = self.refunded.get(charge_id, 0) + amount_cents

    def refunds_of(self, charge_id: str) -> int:
        """How many refunds were made for a charge (a duplicate request is not a refund)."""
        with self._lock:
            return sum(1 for made in self.refunds if made.charge_id == charge_id)

    def fail_refunds(self, times: int) -> None:
        """The next `times` refund requests fail as in an outage (nothing is refunded)."""
        with self._lock:
            self._outage = times


THE_GATEWAY = MockPaymentGateway()
