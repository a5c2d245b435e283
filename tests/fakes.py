"""Fakes of the audit ports for unit tests, checked by mypy against the ports they stand for.

`RecordingAudit` is the services' AuditPort: `draft` makes real drafts, and a fake store that
commits a change calls `land(drafts)` in the same step, as the DynamoDB stores write them in the
change's transaction; `record` lands at once. `MemoryTrail` is the trail's storage (chains without
a head item, checkpoints) for the audit service's own tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any
from weakref import WeakValueDictionary

from shop.domain.audit_chain import GENESIS_HASH, AuditDraft, AuditEntry, Checkpoint, sealed
from shop.services.audit import AuditChains, AuditTrail, CheckpointSigner, CheckpointVerifier, TrailStore
from shop.services.catalog_audit import AuditPort

_RECORDERS: WeakValueDictionary[str, RecordingAudit] = WeakValueDictionary()


class RecordingAudit:
    """What reached the trail, as dicts (`entries`), in commit order."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self._trail = AuditTrail(_Landing(self), shards=4, clock=lambda: "2026-01-01T00:00:00.000Z")

    def draft(self, **fields: Any) -> AuditDraft:
        made = self._trail.draft(**fields)
        _RECORDERS[made.id] = self
        return made

    def record(self, **fields: Any) -> AuditEntry:
        return self._trail.record(**fields)

    def landed(self, draft: AuditDraft) -> None:
        entry = asdict(draft)
        del entry["id"], entry["at"], entry["chain"], entry["opens_chain"]
        self.entries.append(entry)

    def actions(self) -> list[str]:
        return [str(entry["action"]) for entry in self.entries]


class _Landing:
    def __init__(self, recorder: RecordingAudit) -> None:
        self._recorder = recorder

    def append(self, drafts: Sequence[AuditDraft]) -> list[AuditEntry]:
        for draft in drafts:
            self._recorder.landed(draft)
        return [sealed(draft, 1, GENESIS_HASH) for draft in drafts]


def land(drafts: Sequence[AuditDraft]) -> None:
    """A fake store committed the change these drafts record."""
    for draft in drafts:
        _RECORDERS[draft.id].landed(draft)


class MemoryTrail:
    """Chains and checkpoints in memory, with DynamoDB's rule for an entry: its place must be free."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, int], AuditEntry] = {}
        self.saved: dict[int, Checkpoint] = {}
        self.races = 0  # how many next appends find their place taken by another writer

    def head(self, chain: str) -> tuple[int, str]:
        seqs = [seq for (c, seq) in self.items if c == chain]
        return (max(seqs), self.items[(chain, max(seqs))].hash) if seqs else (0, GENESIS_HASH)

    def append(self, drafts: Sequence[AuditDraft]) -> list[AuditEntry]:
        for _ in range(10):
            entries, heads = [], dict[str, tuple[int, str]]()
            for draft in drafts:
                seq, last = heads.get(draft.chain) or self.head(draft.chain)
                entry = sealed(draft, seq + 1, last)
                heads[draft.chain] = (entry.seq, entry.hash)
                entries.append(entry)
            if self.races:
                self.races -= 1
                continue
            self.items.update({(e.chain, e.seq): e for e in entries})
            return entries
        raise RuntimeError("lost every race")

    def chains_written_since(self, at: str) -> set[str]:
        return {entry.chain for entry in self.items.values() if entry.at >= at}

    def last_checkpoint(self) -> Checkpoint | None:
        return self.saved[max(self.saved)] if self.saved else None

    def put_checkpoint(self, checkpoint: Checkpoint) -> bool:
        if checkpoint.seq in self.saved:
            return False
        self.saved[checkpoint.seq] = checkpoint
        return True

    def checkpoints(self) -> Iterator[Checkpoint]:
        yield from (self.saved[seq] for seq in sorted(self.saved))

    def chains(self) -> Iterator[tuple[str, list[AuditEntry]]]:
        for chain in sorted({c for c, _ in self.items}):
            yield chain, sorted((e for (c, _), e in self.items.items() if c == chain), key=lambda e: e.seq)


class HmacSigner:
    """A stand-in for the KMS key: signs and verifies with a secret (the real one is asymmetric)."""

    key_id = "test-key"

    def __init__(self, secret: bytes = b"checkpoint-secret") -> None:
        self._secret = secret

    def sign(self, digest: bytes) -> bytes:
        return hashlib.sha256(self._secret + digest).digest()

    def verify(self, key_id: str, digest: bytes, signature: bytes) -> bool:
        return key_id == self.key_id and signature == self.sign(digest)


def _fakes_fit_their_ports() -> None:
    """Never called: mypy checks here that each fake fits the port it stands for."""
    port: AuditPort = RecordingAudit()
    chains: AuditChains = MemoryTrail()
    store: TrailStore = MemoryTrail()
    signer: CheckpointSigner = HmacSigner()
    verifier: CheckpointVerifier = HmacSigner()
    del port, chains, store, signer, verifier
