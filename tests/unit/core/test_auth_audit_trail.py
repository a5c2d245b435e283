"""The audit trail: chains per user (shards for nobody-in-particular), tamper detection, and
signed checkpoints that catch a cut tail."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shop.domain.audit_chain import GENESIS_HASH, AuditDraft, AuditEntry, chain_of, entry_hash, sealed
from shop.services.audit import AuditCheckpoints, AuditTrail, verify_trail
from tests.fakes import HmacSigner, MemoryTrail


def record(trail: AuditTrail, n: int, actor: str = "u_1") -> list[AuditEntry]:
    return [
        trail.record(
            actor_id=actor,
            actor_role="admin",
            action="product.updated",
            target_type="product",
            target_id=f"p_{i}",
            request_id=f"r_{i}",
            details={"price_cents": 100 + i},
        )
        for i in range(n)
    ]


def test_a_users_entries_chain_each_to_the_previous_in_their_own_chain() -> None:
    store = MemoryTrail()
    entries = record(AuditTrail(store), 3)
    assert {e.chain for e in entries} == {"user#u_1"}
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert verify_trail(store, HmacSigner()) is None


def test_unrelated_users_never_share_a_chain_and_anonymous_entries_spread_over_the_shards() -> None:
    store = MemoryTrail()
    trail = AuditTrail(store, shards=8)
    record(trail, 2, actor="u_1")
    record(trail, 2, actor="u_2")
    assert {chain for chain, _ in store.chains()} == {"user#u_1", "user#u_2"}
    anonymous = {chain_of("anonymous", f"target-{i}", 8) for i in range(200)}
    assert anonymous == {f"anonymous#{k}" for k in range(8)}
    assert chain_of("anonymous", "same", 8) == chain_of("anonymous", "same", 8)


def test_an_entry_hash_covers_exactly_its_stored_fields_in_canonical_json() -> None:
    """The hash is the stored format's: verifying a trail written by an earlier version depends on it."""
    draft = AuditDraft(
        id="e1", at="2026-01-01T00:00:00Z", actor_id="u1", actor_role="admin", action="product.updated",
        target_type="product", target_id="p1", request_id="r1", chain="user#u1", details={"price": 5, "n": "é"},
        opens_chain=True,
    )  # fmt: skip
    entry = sealed(draft, 3, "ab" * 32)
    content = {
        "id": "e1", "seq": 3, "at": "2026-01-01T00:00:00Z", "actor_id": "u1", "actor_role": "admin",
        "action": "product.updated", "target_type": "product", "target_id": "p1", "request_id": "r1",
        "details": {"price": 5, "n": "é"}, "chain": "user#u1", "prev_hash": "ab" * 32,
    }  # fmt: skip
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert entry.hash == hashlib.sha256(text.encode()).hexdigest()
    assert replace(entry, details={"price": 6, "n": "é"}).hash == entry.hash  # stored hash, not recomputed
    assert entry_hash(replace(entry, details={"price": 6, "n": "é"})) != entry.hash


def test_a_lost_race_is_retried_on_the_new_head() -> None:
    store = MemoryTrail()
    store.races = 3
    assert record(AuditTrail(store), 1)[0].seq == 1
    assert verify_trail(store, HmacSigner()) is None


@pytest.mark.parametrize(
    ("tamper", "broken_seq"),
    [
        (lambda items: items.__setitem__(("user#u_1", 2), replace(items["user#u_1", 2], details={})), 2),
        (lambda items: items.__setitem__(("user#u_1", 3), replace(items["user#u_1", 3], actor_id="x")), 3),
        (lambda items: items.pop(("user#u_1", 2)), 3),
        (lambda items: items.__setitem__(("user#u_1", 1), replace(items["user#u_1", 1], at="2000")), 1),
    ],
    ids=["edited-details", "edited-actor", "deleted-middle", "edited-time"],
)
def test_verify_finds_the_first_broken_entry(tamper: object, broken_seq: int) -> None:
    store = MemoryTrail()
    record(AuditTrail(store), 4)
    tamper(store.items)  # type: ignore[operator]
    broken = verify_trail(store, HmacSigner())
    assert broken is not None and (broken.chain, broken.seq) == ("user#u_1", broken_seq)


def test_a_rehashed_forgery_still_breaks_the_link_to_the_next_entry() -> None:
    store = MemoryTrail()
    record(AuditTrail(store), 3)
    forged = replace(store.items["user#u_1", 2], details={"price_cents": 1})
    store.items["user#u_1", 2] = replace(forged, hash=entry_hash(forged))
    broken = verify_trail(store, HmacSigner())
    assert broken is not None and broken.seq == 3


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_checkpoint_signs_the_heads_written_since_the_last_one() -> None:
    store, clock = MemoryTrail(), Clock()
    trail = AuditTrail(store, clock=lambda: iso(clock.now))
    checkpoints = AuditCheckpoints(store, HmacSigner(), clock)
    record(trail, 2, actor="u_1")
    first = checkpoints.take()
    assert first is not None and first.heads == {"user#u_1": store.head("user#u_1")}
    assert checkpoints.take() is None  # nothing new
    clock.now += timedelta(hours=1)
    record(trail, 1, actor="u_2")
    second = checkpoints.take()
    assert second is not None and set(second.heads) == {"user#u_2"} and second.prev_hash == first.hash
    assert verify_trail(store, HmacSigner()) is None


def test_a_cut_tail_is_found_by_the_checkpoint_that_saw_it() -> None:
    store, clock = MemoryTrail(), Clock()
    record(AuditTrail(store, clock=lambda: iso(clock.now)), 3)
    AuditCheckpoints(store, HmacSigner(), clock).take()
    del store.items["user#u_1", 3]  # the chain alone still verifies: 1, 2
    broken = verify_trail(store, HmacSigner())
    assert broken is not None and (broken.chain, broken.seq) == ("user#u_1", 3)
    assert "missing" in broken.reason


def test_a_checkpoint_changed_or_signed_with_another_key_does_not_verify() -> None:
    store, clock = MemoryTrail(), Clock()
    record(AuditTrail(store, clock=lambda: iso(clock.now)), 1)
    AuditCheckpoints(store, HmacSigner(), clock).take()
    signed = store.saved[1]
    store.saved[1] = replace(signed, heads={"user#u_1": (1, "0" * 64)})
    broken = verify_trail(store, HmacSigner())
    assert broken is not None and (broken.chain, broken.reason) == (
        "checkpoints",
        "signature does not verify",
    )
    forger = HmacSigner(b"not the key")
    store.saved[1] = replace(signed, signature=base64.b64encode(forger.sign(signed.digest())).decode())
    assert verify_trail(store, HmacSigner()) is not None


def test_a_deleted_checkpoint_is_found_by_the_gap_it_leaves() -> None:
    store, clock = MemoryTrail(), Clock()
    trail = AuditTrail(store, clock=lambda: iso(clock.now))
    checkpoints = AuditCheckpoints(store, HmacSigner(), clock)
    for actor in ("u_1", "u_2"):
        record(trail, 1, actor=actor)
        assert checkpoints.take() is not None
        clock.now += timedelta(hours=1)
    del store.saved[1]
    broken = verify_trail(store, HmacSigner())
    assert broken is not None and (broken.chain, broken.seq) == ("checkpoints", 2)
