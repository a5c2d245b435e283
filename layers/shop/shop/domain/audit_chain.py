"""Audit entries and their hash chain.

Each entry's hash covers its content and the previous entry's hash, so editing, deleting or
reordering any stored entry breaks the chain from that point on, and `verify_chain` finds it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    id: str
    seq: int
    at: str
    actor_id: str
    actor_role: str
    action: str
    target_type: str
    target_id: str
    request_id: str
    details: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over every field but the hash itself, in a canonical encoding."""
    content = {
        "id": entry.id,
        "seq": entry.seq,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "request_id": entry.request_id,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def first_broken(entries: Iterable[AuditEntry]) -> AuditEntry | None:
    """The first entry (in sequence order) whose hash, link or sequence number is wrong, else None."""
    prev_hash, expected_seq = GENESIS_HASH, 1
    for entry in entries:
        if entry.seq != expected_seq or entry.prev_hash != prev_hash or entry.hash != entry_hash(entry):
            return entry
        prev_hash, expected_seq = entry.hash, expected_seq + 1
    return None
