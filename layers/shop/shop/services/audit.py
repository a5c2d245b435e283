"""The audit trail: append-only, hash-chained records of who did what.

Appends are serialised by a head record holding the last sequence number and hash; the store
writes an entry and moves the head in one transaction conditioned on the head it read, and a
writer that lost the race reads the new head and tries again.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from shop.domain.audit_chain import GENESIS_HASH, AuditEntry, entry_hash, first_broken

MAX_APPEND_ATTEMPTS = 20


class AuditStore(Protocol):
    def head(self) -> tuple[int, str]:
        """(last sequence number, last hash); (0, GENESIS_HASH) for an empty trail."""
        ...

    def append(self, entry: AuditEntry) -> bool:
        """Store `entry` if the head is still at entry.seq - 1; False if another writer got there first."""
        ...

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, in sequence order."""
        ...


class AuditConflict(RuntimeError):
    """The chain head kept moving under us; the entry was not written."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AuditTrail:
    def __init__(self, store: AuditStore, clock: Callable[[], str] = _now) -> None:
        self._store = store
        self._clock = clock

    def record(
        self,
        *,
        actor_id: str,
        actor_role: str,
        action: str,
        target_type: str,
        target_id: str,
        request_id: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry. `details` must be JSON-serialisable and hold no secret or plaintext PII."""
        draft = AuditEntry(
            id=uuid.uuid4().hex,
            seq=0,
            at=self._clock(),
            actor_id=actor_id,
            actor_role=actor_role,
            action=action,
            target_type=target_type,
            target_id=target_id,
            request_id=request_id,
            details=dict(details or {}),
        )
        for attempt in range(MAX_APPEND_ATTEMPTS):
            seq, prev_hash = self._store.head()
            entry = replace(draft, seq=seq + 1, prev_hash=prev_hash or GENESIS_HASH)
            entry = replace(entry, hash=entry_hash(entry))
            if self._store.append(entry):
                return entry
            time.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # noqa: S311 - jitter, not crypto
        raise AuditConflict("could not append to the audit trail")


def verify_chain(store: AuditStore) -> AuditEntry | None:
    """The first tampered, missing or reordered entry of the trail, or None if it is intact.

    Entries cut off the end are caught by comparing with the head: the answer is then a stand-in
    entry with the first missing sequence number and action "<missing>".
    """
    head_seq, head_hash = store.head()
    last_seq, last_hash = 0, GENESIS_HASH

    def walk() -> Iterator[AuditEntry]:
        nonlocal last_seq, last_hash
        for entry in store.entries():
            last_seq, last_hash = entry.seq, entry.hash
            yield entry

    broken = first_broken(walk())
    if broken is not None:
        return broken
    if (last_seq, last_hash) != (head_seq, head_hash or GENESIS_HASH):
        return AuditEntry(
            id="",
            seq=last_seq + 1,
            at="",
            actor_id="",
            actor_role="",
            action="<missing>",
            target_type="",
            target_id="",
            request_id="",
        )
    return None
