"""Make moto honour TransactWriteItems' ClientRequestToken, as DynamoDB does.

DynamoDB keeps a transaction's client token for 10 minutes: the same request sent again with the
same token (botocore resending it after a read timeout whose answer was lost) succeeds without being
applied again, and the same token with different items is IdempotentParameterMismatchException.
moto (5.x) ignores the token, so a resent transaction ran twice: its conditions then failed against
its own first write (a fresh category answered 409, a first login 500). This patch remembers the
tokens of committed transactions for the same 10 minutes. Install it once per process before serving.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import DynamodbException
from moto.dynamodb.responses import DynamoHandler

WINDOW_SECONDS = 600
_MARK = "_shop_honours_client_request_tokens"


class IdempotentParameterMismatch(DynamodbException):
    error_type = "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException"

    def __init__(self) -> None:
        super().__init__(
            self.error_type,
            message="The request uses the same client token as a previous, but non-identical request.",
        )


class CommittedTokens:
    """Client token -> (fingerprint of the items, when it committed), for `window` seconds."""

    def __init__(self, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._window, self._clock = window, clock
        self._seen: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def already_committed(self, token: str, fingerprint: str) -> bool:
        """True if `token` committed these very items within the window; raises on other items."""
        now = self._clock()
        with self._lock:
            self._seen = {t: seen for t, seen in self._seen.items() if now - seen[1] < self._window}
            seen = self._seen.get(token)
        if seen is None:
            return False
        if seen[0] != fingerprint:
            raise IdempotentParameterMismatch()
        return True

    def remember(self, token: str, fingerprint: str) -> None:
        with self._lock:
            self._seen[token] = (fingerprint, self._clock())


def fingerprint(transact_items: Any) -> str:
    text = json.dumps(transact_items, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> str:
    return value.hex() if isinstance(value, bytes | bytearray) else repr(value)


def install(tokens: CommittedTokens | None = None) -> None:
    """Idempotent; patches moto's DynamoDB handler class for this whole process."""
    original = DynamoHandler.transact_write_items
    if getattr(original, _MARK, False):
        return
    committed = tokens or CommittedTokens()

    def transact_write_items(self: DynamoHandler) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        items = fingerprint(self.body["TransactItems"])
        if committed.already_committed(token, items):
            return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
        result = original(self)  # raises if cancelled: a failed transaction's token stays unused
        committed.remember(token, items)
        return result

    setattr(transact_write_items, _MARK, True)
    DynamoHandler.transact_write_items = transact_write_items  # type: ignore[method-assign]
