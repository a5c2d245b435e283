"""Login throttling per email: at most `limit` attempts in a window of `window_seconds`.

Every attempt takes a slot *before* the password is checked (an atomic ADD conditioned on the
count), so a burst of parallel guesses cannot slip past the limit; a successful login gives its
own slot back, without touching anyone else's. The window opens at the first attempt and the
counter item disappears by TTL when it closes. Keys are email blind indexes, never emails.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shop.errors import RateLimited

LIMIT = 5
WINDOW_SECONDS = 15 * 60
ROUNDS = 4


def _key(email_index: str) -> dict[str, Any]:
    return {"pk": {"S": f"LOGIN#{email_index}"}, "sk": {"S": "ATTEMPTS"}}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _condition_failed(exc: ClientError) -> bool:
    return bool(exc.response["Error"]["Code"] == "ConditionalCheckFailedException")


class DynamoLoginAttempts:
    def __init__(
        self, dynamodb: Any, table: str, limit: int = LIMIT, window_seconds: int = WINDOW_SECONDS
    ) -> None:
        self._db, self._table, self._limit, self._window = dynamodb, table, limit, window_seconds

    def reserve_attempt(self, email_index: str, now: int) -> int:
        """Take a slot in the current window (opening one if none is open); returns the window's end.
        RateLimited, with the seconds until the window closes, when every slot is taken."""
        for _ in range(ROUNDS):
            try:
                answer = self._db.update_item(
                    TableName=self._table,
                    Key=_key(email_index),
                    UpdateExpression="ADD attempts :one",
                    ConditionExpression="window_ends > :now AND attempts < :limit",
                    ExpressionAttributeValues={":one": _n(1), ":now": _n(now), ":limit": _n(self._limit)},
                    ReturnValues="ALL_NEW",
                )
                return int(answer["Attributes"]["window_ends"]["N"])
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise
            ends = now + self._window
            try:
                self._db.put_item(
                    TableName=self._table,
                    Item={
                        **_key(email_index),
                        "attempts": _n(1),
                        "window_ends": _n(ends),
                        "expires_at": _n(ends),
                    },
                    ConditionExpression="attribute_not_exists(pk) OR window_ends <= :now",
                    ExpressionAttributeValues={":now": _n(now)},
                )
                return ends
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise
            current = self._db.get_item(TableName=self._table, Key=_key(email_index), ConsistentRead=True)
            item = current.get("Item")
            if item and int(item["attempts"]["N"]) >= self._limit and int(item["window_ends"]["N"]) > now:
                raise RateLimited(retry_after_seconds=int(item["window_ends"]["N"]) - now)
        raise RateLimited(retry_after_seconds=1)  # the item kept changing under us: back off briefly

    def release_attempt(self, email_index: str, window_ends: int) -> None:
        """Give back the slot of an attempt that succeeded, if its window is still the current one."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=_key(email_index),
                UpdateExpression="ADD attempts :minus_one",
                ConditionExpression="window_ends = :ends AND attempts > :zero",
                ExpressionAttributeValues={":minus_one": _n(-1), ":ends": _n(window_ends), ":zero": _n(0)},
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise
