"""The mock payment gateway: answers by card number as API.md says, so tests can script outcomes.

4242424242424242 succeeds; 4000000000009995 fails with insufficient_funds; every other number
(4000000000000002 included) is declined with card_declined. A real gateway adapter implements
the same port (shop.services.order_ports.PaymentGateway) and nothing else changes. It keeps the
charge ids it issued and refunded in memory, only so that tests can look; it never sees a card
number beyond this call and never logs one.
"""

from __future__ import annotations

import uuid

from shop.domain.payments import Card, Charge

APPROVED = "4242424242424242"
FAILURES = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}


class MockPaymentGateway:
    def __init__(self) -> None:
        self.charged: dict[str, int] = {}
        self.refunded: dict[str, int] = {}

    def charge(self, card: Card, amount_cents: int, currency: str, reference: str) -> Charge:
        if card.number != APPROVED:
            return Charge(approved=False, failure_reason=FAILURES.get(card.number, "card_declined"))
        charge_id = f"ch_{uuid.uuid4().hex}"
        self.charged[charge_id] = amount_cents
        return Charge(approved=True, charge_id=charge_id)

    def refund(self, charge_id: str, amount_cents: int, reference: str) -> None:
        self.refunded.setdefault(charge_id, amount_cents)
