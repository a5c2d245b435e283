"""Consumers' dedup markers in ProcessedEventsTable: {pk: "CONSUMER#<name>", sk: "EVENT#<event id>"}.

A marker is either a leased claim (status CLAIMED, token, lease_until) taken before an effect that
cannot join a transaction, or DONE. Markers expire (TTL) well after any redelivery is possible:
SQS keeps a message at most 14 days from its first enqueue, DLQ redrive included.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from shop.adapters.dynamo_codec import from_value
from shop.services.event_consumer import EventInProgress

RETENTION_SECONDS = 15 * 24 * 3600
CONFLICT_ATTEMPTS = 3
logger = Logger(service="shop")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def marker_key(consumer: str, event_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONSUMER#{consumer}"}, "sk": {"S": f"EVENT#{event_id}"}}


class DynamoProcessedEvents:
    def __init__(self, dynamodb: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self._ddb = dynamodb
        self._table = table
        self._clock = clock

    # ------------------------------------------------ effects that are DynamoDB writes
    def processed_marker(self, consumer: str, event_id: str) -> dict[str, Any]:
        """The TransactWriteItems element that makes a transaction happen once per event."""
        now = int(self._clock())
        item = marker_key(consumer, event_id) | {
            "status": {"S": "DONE"},
            "done_at": {"N": str(now)},
            "expires_at": {"N": str(now + RETENTION_SECONDS)},
        }
        return {
            "Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(sk)"}
        }

    def write_once(self, consumer: str, event_id: str, transact_items: list[dict[str, Any]]) -> bool:
        """Commit `transact_items` and the marker together; False if the event was already applied.

        A transaction conflict (another delivery or consumer writing the same items) is retried here
        with jitter before it is raised, so that one hot stats item does not cost a redelivery.
        """
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            items = [*transact_items, self.processed_marker(consumer, event_id)]
            try:
                self._ddb.transact_write_items(TransactItems=items)
                return True
            except ClientError as exc:
                if _code(exc) != "TransactionCanceledException":
                    raise
                reasons = [str(r.get("Code", "None")) for r in exc.response.get("CancellationReasons") or []]
                if len(reasons) == len(items) and reasons[-1] == "ConditionalCheckFailed":
                    return False
                if "TransactionConflict" not in reasons or attempt == CONFLICT_ATTEMPTS:
                    raise
            time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not a secret
        return False  # not reached: the last attempt returns or raises

    # ------------------------------------------------ effects outside DynamoDB (claim_once)
    def claim(self, consumer: str, event_id: str, lease_seconds: int) -> str | None:
        now = int(self._clock())
        token = uuid.uuid4().hex
        item = marker_key(consumer, event_id) | {
            "status": {"S": "CLAIMED"},
            "token": {"S": token},
            "lease_until": {"N": str(now + lease_seconds)},
            "expires_at": {"N": str(now + RETENTION_SECONDS)},
        }
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(sk) OR (#status = :claimed AND lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":claimed": {"S": "CLAIMED"}, ":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise
            if self._status(exc, consumer, event_id) == "DONE":
                return None
            raise EventInProgress(f"{consumer} is handling event {event_id} elsewhere") from exc
        return token

    def complete(self, consumer: str, event_id: str, token: str) -> None:
        # Unconditional: if our lease ran out and another delivery took over, the effect happened
        # anyway, and DONE is the truth either way; removing the token voids the other's release.
        self._ddb.update_item(
            TableName=self._table,
            Key=marker_key(consumer, event_id),
            UpdateExpression="SET #status = :done, done_at = :now REMOVE lease_until, #token",
            ExpressionAttributeNames={"#status": "status", "#token": "token"},
            ExpressionAttributeValues={":done": {"S": "DONE"}, ":now": {"N": str(int(self._clock()))}},
        )

    def release(self, consumer: str, event_id: str, token: str) -> None:
        try:
            self._ddb.delete_item(
                TableName=self._table,
                Key=marker_key(consumer, event_id),
                ConditionExpression="#status = :claimed AND #token = :token",
                ExpressionAttributeNames={"#status": "status", "#token": "token"},
                ExpressionAttributeValues={":claimed": {"S": "CLAIMED"}, ":token": {"S": token}},
            )
        except (ClientError, BotoCoreError) as exc:  # the lease expires anyway
            logger.warning("claim not released", extra={"consumer": consumer, "error": repr(exc)})

    def _status(self, exc: ClientError, consumer: str, event_id: str) -> str | None:
        old: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
        if old is None:  # an older engine that does not return the item
            old = self._ddb.get_item(
                TableName=self._table, Key=marker_key(consumer, event_id), ConsistentRead=True
            ).get("Item")
        return None if not old else str(from_value(old.get("status", {"NULL": True})))
