"""Audit entries, the hash chains they form, and the signed checkpoints of the chains' heads.

The trail is many short chains, not one: each user's actions form that user's chain, and the
entries of callers who are nobody in particular (anonymous callers, the system) are spread over a
fixed number of shard chains. An entry's hash covers its content and the previous entry's hash in
its chain, so editing, deleting or reordering a stored entry breaks its chain from that point on.
Cutting entries off a chain's end is what checkpoints catch: a checkpoint records chain heads
(sequence number and hash) and is signed with a key the writers cannot use.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

GENESIS_HASH = "0" * 64
SHARED_ACTORS = frozenset({"anonymous", "system"})


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    """What an entry says: who did what to what, when, for which request, in which chain."""

    id: str
    at: str
    actor_id: str
    actor_role: str
    action: str
    target_type: str
    target_id: str
    request_id: str
    chain: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class AuditDraft(AuditRecord):
    """An entry before it takes its place in its chain (the next sequence number, the link)."""

    opens_chain: bool = False  # the first entry of a new chain: its place is known without a read


@dataclass(frozen=True, kw_only=True)
class AuditEntry(AuditRecord):
    """An entry in its place: number `seq` of its chain, linked to the entry before it."""

    seq: int
    prev_hash: str = GENESIS_HASH
    hash: str = ""


def chain_of(actor_id: str, shard_key: str, shards: int) -> str:
    """A user's own chain, or one of `shards` chains for the callers who are nobody in particular
    (picked by `shard_key`, the target or the entry itself), so that no two unrelated principals
    ever append to the same chain because of who they are."""
    if actor_id not in SHARED_ACTORS:
        return f"user#{actor_id}"
    digest = hashlib.sha256(shard_key.encode()).digest()
    return f"{actor_id}#{int.from_bytes(digest[:4], 'big') % max(shards, 1)}"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over every field but the hash itself, in a canonical encoding."""
    content = {item.name: getattr(entry, item.name) for item in fields(entry) if item.name != "hash"}
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def sealed(draft: AuditDraft, seq: int, prev_hash: str) -> AuditEntry:
    """The draft as entry `seq` of its chain, after the entry whose hash is `prev_hash`."""
    record = {item.name: getattr(draft, item.name) for item in fields(AuditRecord)}
    entry = AuditEntry(
        **record | {"details": dict(draft.details)}, seq=seq, prev_hash=prev_hash or GENESIS_HASH
    )
    return replace(entry, hash=entry_hash(entry))


def first_broken(entries: Iterable[AuditEntry]) -> AuditEntry | None:
    """The first entry of one chain (in sequence order) whose hash, link or number is wrong, else None."""
    prev_hash, expected_seq = GENESIS_HASH, 1
    for entry in entries:
        if entry.seq != expected_seq or entry.prev_hash != prev_hash or entry.hash != entry_hash(entry):
            return entry
        prev_hash, expected_seq = entry.hash, expected_seq + 1
    return None


@dataclass(frozen=True)
class Checkpoint:
    """Chain heads at a moment, signed. Checkpoints form a chain of their own (`prev_hash`)."""

    seq: int
    at: str
    heads: dict[str, tuple[int, str]]  # chain -> (sequence number, hash) of its last entry
    prev_hash: str
    key_id: str
    signature: str = ""  # base64 of the DER ECDSA signature over digest()

    def digest(self) -> bytes:
        """SHA-256 of everything the signature vouches for."""
        content = {
            "seq": self.seq,
            "at": self.at,
            "heads": {chain: list(head) for chain, head in sorted(self.heads.items())},
            "prev_hash": self.prev_hash,
            "key_id": self.key_id,
        }
        return hashlib.sha256(canonical_json(content).encode()).digest()

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.digest() + self.signature.encode()).hexdigest()


@dataclass(frozen=True)
class AuditBreak:
    """Where verification failed first: the chain (or "checkpoints"), the sequence number, why."""

    chain: str
    seq: int
    reason: str
    entry_id: str = ""

    def __str__(self) -> str:
        where = f"entry {self.entry_id} " if self.entry_id else ""
        return f"chain {self.chain}, seq {self.seq}: {where}{self.reason}"


def chain_break(chain: str, entries: Iterable[AuditEntry]) -> AuditBreak | None:
    broken = first_broken(entries)
    if broken is None:
        return None
    return AuditBreak(chain, broken.seq, "hash, link or sequence number does not match", broken.id)


def head_break(
    chain: str, head: tuple[int, str], last: Mapping[int, str], checkpoint_seq: int
) -> AuditBreak | None:
    """A checkpointed head the chain no longer reaches, or reaches with another entry."""
    seq, expected = head
    found = last.get(seq)
    if found is None:
        return AuditBreak(chain, seq, f"missing: checkpoint {checkpoint_seq} saw the chain reach it")
    if found != expected:
        return AuditBreak(chain, seq, f"differs from the entry checkpoint {checkpoint_seq} signed")
    return None
