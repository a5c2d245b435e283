"""The consumer side of the order-events bus: SQS batches in, each event's effect at most once per consumer.

Delivery is at least once (SNS and SQS both redeliver), so idempotency is the consumer's job,
keyed on (consumer name, event id) in ProcessedEventsTable. Two primitives, one per kind of effect:

- An effect that is itself DynamoDB writes (sales statistics) adds the adapter's
  `processed_marker(consumer, event_id)` Put to the SAME TransactWriteItems: effect and marker
  commit together, and a redelivery fails on the marker's condition and is a no-op. Exactly once.
- An effect outside DynamoDB (an email) cannot join a transaction: `claim_once` takes a claim
  (one conditional write) before the effect, and that claim is the effect's only write: nothing
  marks it done after. A delivery that finds a claim there skips the effect, whether it is done or
  still under way: an effect that fails with an error deletes its claim and raises, so its own
  record comes back and performs it. So this is at most once: a crash (a timeout, a killed
  container) between the claim and the end of the effect loses that effect (one email) instead of
  risking it twice, for one write per effect instead of a claim and a completion.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shop.domain.bus_messages import BusMessage

logger = Logger(service="shop")


class ProcessedEvents(Protocol):
    def claim(self, consumer: str, event_id: str) -> str | None:
        """A claim token; None if this consumer's effect of this event is claimed already."""
        ...

    def release(self, consumer: str, event_id: str, token: str) -> None:
        """Give the claim up (the effect failed cleanly), so the redelivery runs it. Best effort: a
        claim that stays counts as done, and that effect is lost."""
        ...


def claim_once(
    processed: ProcessedEvents,
    consumer: str,
    event_id: str,
    effect: Callable[[], None],
) -> bool:
    """Run `effect` unless this consumer already claimed it for this event; True if it ran now."""
    token = processed.claim(consumer, event_id)
    if token is None:
        logger.info("event already handled", extra={"consumer": consumer, "event_id": event_id})
        return False
    try:
        effect()
    except BaseException:
        processed.release(consumer, event_id, token)
        raise
    return True


def parse_bus_message(body: str) -> BusMessage:
    """The bus message in an SQS body: raw (RawMessageDelivery), or still in its SNS envelope.

    The envelope is accepted so that a subscription created without raw delivery still works.
    Anything else raises ValueError (InvalidBusMessage is one): a poison message.
    """
    payload = json.loads(body)
    if isinstance(payload, dict) and payload.get("Type") == "Notification" and "TopicArn" in payload:
        payload = json.loads(str(payload.get("Message")))
    return BusMessage.parse(payload)


class EventConsumer:
    """A consumer's Lambda handler body: `handler = EventConsumer(name, on_message).handle`.

    Each record is parsed and given to `on_message`; a record that raises (poison body, failed
    effect) is reported alone as a batch item failure, so the rest of the batch
    is done and the queue's redrive policy sends a persistent poison message to the DLQ.
    Types outside `types` are acknowledged without effect: filter policy changes take a while to
    reach SNS, and a consumer must not act on what it was not written for.
    """

    def __init__(
        self, name: str, on_message: Callable[[BusMessage], None], types: Iterable[str] | None = None
    ) -> None:
        self.name = name
        self._on_message = on_message
        self._types = frozenset(types) if types is not None else None

    def handle(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        processor = BatchProcessor(event_type=EventType.SQS)
        return dict(process_partial_response(event, self._record, processor, context))

    def _record(self, record: SQSRecord) -> None:
        message = parse_bus_message(record.body)
        fields = {"consumer": self.name, "event_id": message.id, "type": message.type}
        if self._types is not None and message.type not in self._types:
            logger.info("event type not consumed here", extra=fields)
            return
        self._on_message(message)
        logger.info("event consumed", extra=fields | {"order_id": message.order_id, "seq": message.seq})
