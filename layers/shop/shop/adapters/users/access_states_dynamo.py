"""What the authorizer checks of a user on every token it has not cached: role, disabled flag and
access version, read as one small projected Query of the user's partition (their ACCESS item, which
admins write, over their PROFILE's: shop.adapters.users.users_dynamo) and kept in memory for a few seconds.

Light on purpose (no cipher, no pydantic): the authorizer imports it at cold start. The memory
cache and API Gateway's authorizer cache together bound how long a change takes to bite.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from shop.domain.tokens import AccessState

CACHE_SECONDS = 20.0
MAX_CACHED_USERS = 10_000


class DynamoAccessStates:
    def __init__(
        self,
        dynamodb: Any,
        table: str,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db, self._table, self._ttl, self._clock = dynamodb, table, ttl, clock
        self._cache: dict[str, tuple[float, AccessState | None]] = {}

    def current(self, user_id: str) -> AccessState | None:
        """The user's access state, or None if there is no such user."""
        now = self._clock()
        cached = self._cache.get(user_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        answer = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ProjectionExpression="sk, #role, disabled, access_version",
            ExpressionAttributeNames={"#role": "role"},
            ExpressionAttributeValues={":pk": {"S": f"USER#{user_id}"}},
        )
        by_sk = {item["sk"]["S"]: item for item in answer.get("Items", [])}
        item = by_sk.get("ACCESS", by_sk.get("PROFILE")) if "PROFILE" in by_sk else None
        state = (
            AccessState(
                role=item["role"]["S"],
                disabled=bool(item.get("disabled", {}).get("BOOL", False)),
                version=int(item.get("access_version", {}).get("N", "0")),
            )
            if item
            else None
        )
        if len(self._cache) >= MAX_CACHED_USERS:
            self._cache.clear()
        self._cache[user_id] = (now, state)
        return state
