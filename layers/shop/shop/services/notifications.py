"""Customer emails for order events: at most one send per event, retried until it is sent.

The send is an effect outside DynamoDB, so it runs under `claim_once` (see event_consumer): the
claim is taken before anything else and is the email's only DynamoDB write, so a redelivered event
costs one conditional write and no KMS or SES call. A failed send releases the claim and raises, so
that only its SQS record fails and comes back (after 5 receives it lands in the DLQ). At most once:
a function that dies after its claim and before the send returns loses that one email, rather than
ever sending an email twice. The recipient's address is decrypted for the send only and never logged.
"""

from __future__ import annotations

from typing import Protocol

from aws_lambda_powertools import Logger

from shop.domain.bus_messages import BusMessage
from shop.domain.order_emails import EMAIL_TYPES, OrderEmail, order_email
from shop.domain.order_event_data import owner_of
from shop.domain.users import User
from shop.observability import count
from shop.services.event_consumer import ProcessedEvents, claim_once

CONSUMER = "notifications"
logger = Logger(service="shop")


class MailNotSent(RuntimeError):
    """The mail service refused or failed the send: the event is retried."""


class Customers(Protocol):
    def get(self, user_id: str) -> User | None: ...


class Mailer(Protocol):
    def send(self, to: str, email: OrderEmail) -> str:
        """Send; the mail service's message id. Raises MailNotSent."""
        ...


class OrderNotifications:
    def __init__(
        self, customers: Customers, mailer: Mailer, processed: ProcessedEvents, consumer: str = CONSUMER
    ) -> None:
        self._customers, self._mailer, self._processed = customers, mailer, processed
        self.consumer = consumer

    def notify(self, message: BusMessage) -> None:
        """Email the order's owner about this event, once; other event types send nothing."""
        if message.type in EMAIL_TYPES:
            claim_once(self._processed, self.consumer, message.id, lambda: self._send(message))

    def _send(self, message: BusMessage) -> None:
        fields = {"event_id": message.id, "type": message.type, "order_id": message.order_id}
        user_id = owner_of(message.event_data) or ""
        customer = self._customers.get(user_id) if user_id else None
        if customer is None:
            # Nobody to write to, now or on any retry: acknowledged, so it does not clog the queue.
            logger.warning("no customer to email", extra=fields | {"user_id": user_id})
            return
        email = order_email(message, customer.name)
        try:
            message_id = self._mailer.send(customer.email, email)
        except Exception:
            count("EmailsFailed")
            raise
        count("EmailsSent")
        logger.info("order email sent", extra=fields | {"user_id": user_id, "message_id": message_id})
