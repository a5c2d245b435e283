"""Consumers' dedup markers in ProcessedEventsTable: {pk: "CONSUMER#<name>", sk: "EVENT#<event id>"}.

A marker is either a claim (status CLAIMED, token) taken before an effect that cannot join a
transaction and never updated after (one write per effect: shop.services.event_consumer), or DONE
(written in the effect's own transaction). Any marker there means the effect is claimed: earlier
versions' leased claims (`lease_until`) and their DONE completions included. Markers expire (TTL) well
after any redelivery is possible: SQS keeps a message at most 14 days from its first enqueue, DLQ
redrive included.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

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
    def claim(self, consumer: str, event_id: str) -> str | None:
        now = int(self._clock())
        token = uuid.uuid4().hex
        item = marker_key(consumer, event_id) | {
            "status": {"S": "CLAIMED"},
            "token": {"S": token},
            "expires_at": {"N": str(now + RETENTION_SECONDS)},
        }
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(sk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] = exc.response.get("Item") or {}  # type: ignore[assignment]
            # botocore resent our own put after its answer was lost: the claim is ours
            return token if old.get("token") == {"S": token} else None
        return token

    def release(self, consumer: str, event_id: str, token: str) -> None:
        try:
            self._ddb.delete_item(
                TableName=self._table,
                Key=marker_key(consumer, event_id),
                ConditionExpression="#status = :claimed AND #token = :token",
                ExpressionAttributeNames={"#status": "status", "#token": "token"},
                ExpressionAttributeValues={":claimed": {"S": "CLAIMED"}, ":token": {"S": token}},
            )
        except (ClientError, BotoCoreError) as exc:  # the claim stays: at most once, that effect is lost
            logger.warning("claim not released", extra={"consumer": consumer, "error": repr(exc)})
