"""The hash-chained audit trail: appends under contention, and tamper detection by verify_chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from shop.domain.audit_chain import GENESIS_HASH, AuditEntry
from shop.services.audit import AuditConflict, AuditTrail, verify_chain


class MemoryAuditStore:
    def __init__(self, conflicts: int = 0) -> None:
        self.items: list[AuditEntry] = []
        self.head_seq, self.head_hash = 0, GENESIS_HASH
        self.conflicts = conflicts

    def head(self) -> tuple[int, str]:
        return self.head_seq, self.head_hash

    def append(self, entry: AuditEntry) -> bool:
        if self.conflicts:  # another writer moved the head first
            self.conflicts -= 1
            return False
        if entry.seq != self.head_seq + 1:
            return False
        self.items.append(entry)
        self.head_seq, self.head_hash = entry.seq, entry.hash
        return True

    def entries(self) -> Iterator[AuditEntry]:
        yield from sorted(self.items, key=lambda e: e.seq)


def record(trail: AuditTrail, n: int) -> list[AuditEntry]:
    return [
        trail.record(
            actor_id=f"u_{i}",
            actor_role="admin",
            action="product.updated",
            target_type="product",
            target_id=f"p_{i}",
            request_id=f"r_{i}",
            details={"price_cents": 100 + i},
        )
        for i in range(n)
    ]


def test_entries_chain_each_to_the_previous() -> None:
    store = MemoryAuditStore()
    entries = record(AuditTrail(store), 3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert verify_chain(store) is None


def test_a_lost_race_is_retried_on_the_new_head() -> None:
    store = MemoryAuditStore(conflicts=3)
    assert record(AuditTrail(store), 1)[0].seq == 1
    assert verify_chain(store) is None


def test_endless_contention_gives_up_loudly() -> None:
    with pytest.raises(AuditConflict):
        record(AuditTrail(MemoryAuditStore(conflicts=10_000)), 1)


@pytest.mark.parametrize(
    ("tamper", "broken_seq"),
    [
        (lambda items: items.__setitem__(1, replace(items[1], details={"price_cents": 1})), 2),
        (lambda items: items.__setitem__(2, replace(items[2], actor_id="u_other")), 3),
        (lambda items: items.pop(1), 3),
        (lambda items: items.__setitem__(0, replace(items[0], at="2000-01-01T00:00:00.000Z")), 1),
        (lambda items: items.pop(), 4),
    ],
    ids=["edited-details", "edited-actor", "deleted-middle", "edited-time", "cut-tail"],
)
def test_verify_chain_finds_the_first_broken_entry(tamper: object, broken_seq: int) -> None:
    store = MemoryAuditStore()
    record(AuditTrail(store), 4)
    tamper(store.items)  # type: ignore[operator]
    broken = verify_chain(store)
    assert broken is not None and broken.seq == broken_seq


def test_a_rehashed_forgery_still_breaks_the_link_to_the_next_entry() -> None:
    from shop.domain.audit_chain import entry_hash

    store = MemoryAuditStore()
    record(AuditTrail(store), 3)
    forged = replace(store.items[1], details={"price_cents": 1})
    store.items[1] = replace(forged, hash=entry_hash(forged))
    broken = verify_chain(store)
    assert broken is not None and broken.seq == 3
