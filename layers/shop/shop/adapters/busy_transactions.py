"""TransactWriteItems retried while DynamoDB cancels it only because its items were busy.

A transaction cancelled with nothing but TransactionConflict (another transaction in flight on one
of its items) or throttling among its reasons was refused as a whole and wrote nothing, so sending
the same request again is safe: every condition is checked afresh. botocore does not retry these
cancellations (TransactionCanceledException is not a throttling error), so this does, briefly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from botocore.exceptions import ClientError

from shop.backoff import retried
from shop.errors import Contention

AttrMap = dict[str, Any]
BUSY_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
ATTEMPTS = 3
BASE_DELAY_SECONDS = 0.025
AUDIT_RACE_ATTEMPTS = 8


class AuditPuts(Protocol):
    """Audit entries that ride in a change's transaction (shop.adapters.audit.audit_dynamo.SealedEntries)."""

    def puts(self) -> list[AttrMap]:
        """The entries' Put elements, sealed after their chains' heads as they are now."""
        ...

    def lost_race(self, exc: ClientError, first: int) -> bool:
        """The transaction failed only because an entry's place (from element `first` on) was taken."""
        ...


class ChainRaceLost(Contention):
    """An audit entry kept losing its place in its chain to the same actor's other requests, so
    the change it records was not written either: a 409 unless the caller reads again and retries."""


def cancellation_reasons(exc: ClientError) -> list[str]:
    return [str(reason.get("Code", "None")) for reason in exc.response.get("CancellationReasons") or []]


def only_busy(exc: ClientError) -> bool:
    """Cancelled, and by nothing but busy items (no condition failed, no validation error)."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = set(cancellation_reasons(exc)) - {"None"}
    return bool(reasons) and reasons <= BUSY_REASONS


def transact_write(
    client: Any,
    items: Sequence[dict[str, Any]],
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
    audit: AuditPuts | None = None,
) -> None:
    """One TransactWriteItems; a busy cancellation is retried up to `attempts` times, then raised.

    With `audit`, the entries that record this change are written in the same transaction; if
    another writer took an entry's place in its chain, the whole transaction (which then wrote
    nothing) is sent again with the entries sealed after the new head, and ChainRaceLost if that
    keeps happening.
    """
    if audit is None:
        _send(client, items, attempts, sleep)
        return
    chain: AuditPuts = audit
    retried(
        lambda: _send(client, [*items, *chain.puts()], attempts, sleep),
        lost=ClientError,
        retry_if=lambda exc: chain.lost_race(exc, len(items)),
        gave_up=lambda _: ChainRaceLost(),
        attempts=AUDIT_RACE_ATTEMPTS,
        sleep=sleep,
    )


def _send(
    client: Any, items: Sequence[dict[str, Any]], attempts: int, sleep: Callable[[float], None]
) -> None:
    for attempt in range(1, attempts + 1):
        try:
            client.transact_write_items(TransactItems=list(items))
            return
        except ClientError as exc:
            if attempt == attempts or not only_busy(exc):
                raise
        sleep(random.uniform(0, BASE_DELAY_SECONDS * 2**attempt))  # noqa: S311 - jitter, not crypto
