"""Committed order events -> the bus, from the OrdersTable stream (transactional outbox).

Request paths never publish: they commit the order_event item in their transaction, and this
use case turns the stream's INSERT records into bus messages. Before it publishes a
`shipment_created`, it takes the order out of the admin's list of paid orders (the one index
change that shipping, which writes only the admin's items, leaves to the system). A crash anywhere here loses nothing:
a record is only done once the bus accepted its message; otherwise it is reported as a batch item
failure (or the whole invocation fails) and the stream delivers it again. Delivery is therefore
at least once, and consumers dedup on the message id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from shop.domain.bus_messages import BusMessage, bus_message_from_order_event, is_order_event
from shop.observability import count

logger = Logger(service="shop")


class BusPublisher(Protocol):
    def publish(self, messages: Sequence[BusMessage]) -> set[str]:
        """Publish every message; return the ids of those the bus did not accept."""
        ...


class PaidListing(Protocol):
    def leave_paid_listing(self, order_id: str) -> None:
        """Take a shipped order out of the admin's list of paid orders (idempotent)."""
        ...


LEAVES_PAID_LISTING = "shipment_created"


class NotPublished(RuntimeError):
    """The bus did not accept this record's message; the stream will deliver the record again."""


def message_for(record: DynamoDBRecord) -> BusMessage | None:
    """The bus message of an order_event INSERT; None for every other record (nothing to publish)."""
    if record.event_name is not DynamoDBRecordEventName.INSERT:
        return None
    item = record.dynamodb.new_image if record.dynamodb is not None else {}
    return bus_message_from_order_event(item) if is_order_event(item) else None


class OrderEventPublisher:
    """One stream batch -> publish what it holds -> a partial batch response naming what failed."""

    def __init__(self, bus: BusPublisher, paid_listing: PaidListing) -> None:
        self._bus, self._paid_listing = bus, paid_listing

    def handle(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        outcomes = self._publish(event.get("Records") or [])

        def settle(record: DynamoDBRecord) -> None:
            error = outcomes.get(str(record.dynamodb.sequence_number if record.dynamodb else ""))
            if error is not None:
                raise error

        processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
        return dict(process_partial_response(event, settle, processor, context))

    def _publish(self, raw_records: list[dict[str, Any]]) -> dict[str, Exception]:
        """Publish the batch's messages in one go; the error of each record that is not done."""
        failures: dict[str, Exception] = {}
        pending: dict[str, BusMessage] = {}
        for raw in raw_records:
            record = DynamoDBRecord(raw)
            sequence_number = str(record.dynamodb.sequence_number if record.dynamodb else "")
            try:
                message = message_for(record)
            except ValueError as exc:  # a malformed order_event: retried, then the DLQ
                failures[sequence_number] = exc
                continue
            if message is not None and message.type == LEAVES_PAID_LISTING:
                try:  # before it is published: a failure retries both
                    self._paid_listing.leave_paid_listing(message.order_id)
                except Exception as exc:  # noqa: BLE001 - any failure is this record's, retried by the stream
                    failures[sequence_number] = exc
                    continue
            if message is not None:
                pending[sequence_number] = message
        rejected = self._bus.publish(list(pending.values())) if pending else set()
        for sequence_number, message in pending.items():
            if message.id in rejected:
                failures[sequence_number] = NotPublished(f"event {message.id} was not accepted by the bus")
        if len(pending) > len(rejected):
            count("OrderEventsPublished", len(pending) - len(rejected))
        logger.info(
            "order events published",
            extra={"records": len(raw_records), "published": len(pending) - len(rejected)}
            | {"failed": len(failures)},
        )
        return failures
