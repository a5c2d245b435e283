"""Rate-limit buckets on DynamoDB: one small item per bucket, gone by TTL once it is forgotten.

An attempt takes its slot *before* the work it guards (a registration, a token) with one atomic
ADD conditioned on the window being open and not full, so a burst of parallel requests cannot
slip past the limit; that one UpdateItem is all a request costs while its bucket has room or
has no item yet. A login *holds* its slot the same way, starting no lockout, and its session's
transaction gives the slot back if the password matched. Only a refusal, or the first attempt of
a window after an earlier one closed, reads the item and writes it back on the condition that
nobody changed it meanwhile. The rules (when a window opens, how a lockout grows) are
shop.domain.rate_limits'; keys hold a client address or an email's blind index, never an email.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shop.adapters.busy_transactions import AttrMap
from shop.domain.rate_limits import Bucket, Limit, Slot, after_attempt, locked_if_full, opened, wait_for_room
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


class DynamoRoom:
    """Whether a bucket has room, read along with another store's items (one BatchGetItem, made by
    that store: `request` says what to read, `found` hands over the item); read on its own if the
    other store never did."""

    def __init__(self, limiter: DynamoRateLimiter, bucket: str, limit: Limit, now: int) -> None:
        self._limiter, self._bucket, self._limit, self._now = limiter, bucket, limit, now
        self._seen: Bucket | None = None
        self._read = False

    def request(self) -> tuple[str, AttrMap]:
        return self._limiter.table, _key(self._bucket)

    def found(self, item: AttrMap | None) -> None:
        self._seen, self._read = (_bucket(item) if item else None), True

    def wait(self) -> int:
        if not self._read:
            self.found(self._limiter.read_item(self._bucket))
        return wait_for_room(self._seen, self._limit, self._now)


class DynamoRateLimiter:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self.table = dynamodb, table

    def take(self, bucket: str, limit: Limit, now: int) -> Slot:
        """Admit one attempt in `bucket`; RateLimited, with the seconds until it reopens, if it is full."""
        return self._stretch_if_full(bucket, self._admit(bucket, limit, now), limit, now)

    def hold(self, bucket: str, limit: Limit, now: int) -> Bucket:
        return self._admit(bucket, limit, now)

    def room(self, bucket: str, limit: Limit, now: int) -> DynamoRoom:
        return DynamoRoom(self, bucket, limit, now)

    def release_element(self, bucket: str, now: int) -> AttrMap:
        """ADD -1 with no condition: the held slot is this bucket's, taken moments ago (an item
        gone meanwhile comes back as a closed window, forgotten at once)."""
        return {
            "Update": {
                "TableName": self.table,
                "Key": _key(bucket),
                "UpdateExpression": (
                    "SET window_ends = if_not_exists(window_ends, :now), "
                    "expires_at = if_not_exists(expires_at, :now) ADD hits :minus_one"
                ),
                "ExpressionAttributeValues": {":now": _n(now), ":minus_one": _n(-1)},
            }
        }

    def release(self, bucket: str, now: int) -> None:
        """On condition that the bucket counts a slot: never below zero, even if this attempt's slot
        came back already (its session's transaction committed, then the request failed)."""
        update = self.release_element(bucket, now)["Update"]
        values = update["ExpressionAttributeValues"] | {":zero": _n(0)}
        try:
            self._db.update_item(
                **update | {"ConditionExpression": "hits > :zero", "ExpressionAttributeValues": values}
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise

    def lock_if_full(self, bucket: str, held: Bucket, limit: Limit, now: int) -> None:
        """No read: a conditional write, only if the lockout starts, on the bucket still being as
        the hold left it (changed meanwhile, a slot came back and this attempt's was not the last)."""
        if (locked := locked_if_full(held, limit, now)) != held:
            self._replace(bucket, held, locked)

    def _admit(self, bucket: str, limit: Limit, now: int) -> Bucket:
        """One slot, no lockout started: a single UpdateItem while the window is open and has room,
        or while the bucket has no item (which it creates with a window opened now). Otherwise the
        item is read: full, RateLimited; closed, it is replaced by a window opened now, conditioned
        on nobody having changed it, and the slot is taken again."""
        fresh = opened(None, limit, now)
        for _ in range(ROUNDS):
            try:
                answer = self._db.update_item(
                    TableName=self.table,
                    Key=_key(bucket),
                    UpdateExpression=(
                        "SET window_ends = if_not_exists(window_ends, :ends), "
                        "expires_at = if_not_exists(expires_at, :forget) ADD hits :one"
                    ),
                    ConditionExpression="attribute_not_exists(pk) OR (window_ends > :now AND hits < :limit)",
                    ExpressionAttributeValues={
                        ":ends": _n(fresh.window_ends),
                        ":forget": _n(fresh.forget_at),
                        ":one": _n(1),
                        ":now": _n(now),
                        ":limit": _n(limit.attempts),
                    },
                    ReturnValues="ALL_NEW",
                )
                return _bucket(answer["Attributes"])
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise
            seen = self._read(bucket)
            if seen is not None and seen.is_open(now):
                if seen.hits >= limit.attempts:
                    raise RateLimited(retry_after_seconds=seen.retry_after(now))
                continue  # a slot came back meanwhile: take again
            if seen is not None:
                self._replace(bucket, seen, opened(seen, limit, now))
        raise RateLimited(retry_after_seconds=1)  # the item kept changing under us: back off briefly

    def _stretch_if_full(self, name: str, taken: Bucket, limit: Limit, now: int) -> Slot:
        stretched = after_attempt(taken, limit, now)
        if stretched == taken or self._replace(name, taken, stretched):
            return Slot(name, stretched.window_ends)
        return Slot(name, taken.window_ends)  # changed meanwhile: its slot may not come back, which is safe

    def _read(self, name: str) -> Bucket | None:
        item = self.read_item(name)
        return _bucket(item) if item else None

    def read_item(self, name: str) -> AttrMap | None:
        item: AttrMap | None = self._db.get_item(
            TableName=self.table, Key=_key(name), ConsistentRead=True
        ).get("Item")
        return item

    def _replace(self, name: str, seen: Bucket, new: Bucket) -> bool:
        """Write `new` if the bucket is still as `seen`; False if another request got there first."""
        try:
            self._db.put_item(
                TableName=self.table,
                Item=_item(name, new),
                ConditionExpression="hits = :hits AND window_ends = :ends AND expires_at = :forget",
                ExpressionAttributeValues={
                    ":hits": _n(seen.hits),
                    ":ends": _n(seen.window_ends),
                    ":forget": _n(seen.forget_at),
                },
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise
            return False
        return True
