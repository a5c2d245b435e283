"""Rate-limit buckets on DynamoDB: one small item per bucket, gone by TTL once it is forgotten.

An attempt takes its slot *before* the work it guards (a password check, a registration, a
token) with one atomic ADD conditioned on the window being open and not full, so a burst of
parallel requests cannot slip past the limit; that one UpdateItem is all a request costs while
its bucket has room. Only a refusal, or the first attempt of a new window, reads the item and
writes it back on the condition that nobody changed it meanwhile. The rules (when a window
opens, how a lockout grows) are shop.domain.rate_limits'; keys hold a client address or an
email's blind index, never an email.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from shop.domain.rate_limits import Bucket, Limit, Slot, after_attempt, first_attempt
from shop.errors import RateLimited

ROUNDS = 4


def _key(bucket: str) -> dict[str, Any]:
    return {"pk": {"S": bucket}}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _condition_failed(exc: ClientError) -> bool:
    return bool(exc.response["Error"]["Code"] == "ConditionalCheckFailedException")


def _bucket(item: dict[str, Any]) -> Bucket:
    return Bucket(
        hits=int(item["hits"]["N"]),
        window_ends=int(item["window_ends"]["N"]),
        lockouts=int(item.get("lockouts", {"N": "0"})["N"]),
        forget_at=int(item["expires_at"]["N"]),
        locked=bool(item.get("locked", {"BOOL": False})["BOOL"]),
    )


def _item(name: str, bucket: Bucket) -> dict[str, Any]:
    return {
        **_key(name),
        "hits": _n(bucket.hits),
        "window_ends": _n(bucket.window_ends),
        "lockouts": _n(bucket.lockouts),
        "locked": {"BOOL": bucket.locked},
        "expires_at": _n(bucket.forget_at),
    }


class DynamoRateLimiter:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def take(self, bucket: str, limit: Limit, now: int) -> Slot:
        """Admit one attempt in `bucket`; RateLimited, with the seconds until it reopens, if it is full."""
        for _ in range(ROUNDS):
            try:
                answer = self._db.update_item(
                    TableName=self._table,
                    Key=_key(bucket),
                    UpdateExpression="ADD hits :one",
                    ConditionExpression="window_ends > :now AND hits < :limit",
                    ExpressionAttributeValues={":one": _n(1), ":now": _n(now), ":limit": _n(limit.attempts)},
                    ReturnValues="ALL_NEW",
                )
                return self._stretch_if_full(bucket, _bucket(answer["Attributes"]), limit, now)
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise
            seen = self._read(bucket)
            if seen is not None and seen.is_open(now):
                if seen.hits >= limit.attempts:
                    raise RateLimited(retry_after_seconds=seen.retry_after(now))
                continue  # a slot came back, or another request opened the window: take again
            fresh = first_attempt(seen, limit, now)
            if self._replace(bucket, seen, fresh):
                return Slot(bucket, fresh.window_ends)
        raise RateLimited(retry_after_seconds=1)  # the item kept changing under us: back off briefly

    def give_back(self, slot: Slot) -> None:
        """Return a slot whose attempt was no abuse, if its window is still the bucket's."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=_key(slot.bucket),
                UpdateExpression="ADD hits :minus_one",
                ConditionExpression="window_ends = :ends AND hits > :zero",
                ExpressionAttributeValues={
                    ":minus_one": _n(-1),
                    ":ends": _n(slot.window_ends),
                    ":zero": _n(0),
                },
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise

    def full_for(self, buckets: Sequence[tuple[str, Limit]], now: int) -> int:
        """One BatchGetItem (a login's check before any password work)."""
        keys = [_key(bucket) for bucket, _ in buckets]
        answer = self._db.batch_get_item(RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}})
        found = {item["pk"]["S"]: _bucket(item) for item in answer.get("Responses", {}).get(self._table, [])}
        if answer.get("UnprocessedKeys"):
            found |= {bucket: seen for bucket, _ in buckets if (seen := self._read(bucket)) is not None}
        waits = [
            seen.retry_after(now)
            for bucket, limit in buckets
            if (seen := found.get(bucket)) is not None and seen.is_open(now) and seen.hits >= limit.attempts
        ]
        return max(waits, default=0)

    def _stretch_if_full(self, name: str, taken: Bucket, limit: Limit, now: int) -> Slot:
        stretched = after_attempt(taken, limit, now)
        if stretched == taken or self._replace(name, taken, stretched):
            return Slot(name, stretched.window_ends)
        return Slot(name, taken.window_ends)  # changed meanwhile: its slot may not come back, which is safe

    def _read(self, name: str) -> Bucket | None:
        item = self._db.get_item(TableName=self._table, Key=_key(name), ConsistentRead=True).get("Item")
        return _bucket(item) if item else None

    def _replace(self, name: str, seen: Bucket | None, new: Bucket) -> bool:
        """Write `new` if the bucket is still as `seen`; False if another request got there first."""
        if seen is None:
            condition, values = "attribute_not_exists(pk)", {}
        else:
            condition = "hits = :hits AND window_ends = :ends AND expires_at = :forget"
            values = {":hits": _n(seen.hits), ":ends": _n(seen.window_ends), ":forget": _n(seen.forget_at)}
        try:
            self._db.put_item(
                TableName=self._table,
                Item=_item(name, new),
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise
            return False
        return True
