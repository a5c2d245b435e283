"""The audit trail: append-only, hash-chained records of who did what.

A change and its entry commit together: a service drafts the entry (`AuditTrail.draft`) and hands
it to the store that writes the change, which puts the entry into the same transaction
(`shop.adapters.audit.audit_dynamo.AuditChains`). An event that changes nothing else (a failed login, a
refused promotion, a voided charge) is appended on its own (`AuditTrail.record`). Chains are per
user, or sharded for callers who are nobody in particular (`shop.domain.audit_chain.chain_of`), so
appends of unrelated principals never meet; there is no head item: an entry is put only if its
sequence number is still free in its chain, and the loser of a race takes the next one.

`AuditCheckpoints` signs the heads of the chains written since the last checkpoint (a scheduled
function); `verify_trail` checks every chain and every checkpoint and names the first break.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from shop.domain.audit_chain import (
    AuditBreak,
    AuditDraft,
    AuditEntry,
    Checkpoint,
    chain_break,
    chain_of,
    head_break,
)

DEFAULT_SHARDS = 16
# A checkpoint looks back this far before the previous one: entries reach the time index a little
# after they commit (an index is eventually consistent) and writers' clocks differ a little.
CHECKPOINT_OVERLAP = timedelta(minutes=5)


class AuditChains(Protocol):
    def append(self, drafts: Sequence[AuditDraft]) -> list[AuditEntry]:
        """Put drafts that record no other change at the ends of their chains."""
        ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AuditTrail:
    def __init__(
        self, chains: AuditChains, shards: int = DEFAULT_SHARDS, clock: Callable[[], str] = _now
    ) -> None:
        self._chains, self._shards, self._clock = chains, shards, clock

    def draft(
        self,
        *,
        actor_id: str,
        actor_role: str,
        action: str,
        target_type: str,
        target_id: str,
        request_id: str = "",
        details: Mapping[str, Any] | None = None,
        opens_chain: str = "",
    ) -> AuditDraft:
        """An entry for a change about to be written. `details` must be JSON-serialisable and hold
        no secret or plaintext PII. `opens_chain` names a new chain for the entry to start (a
        login's session), instead of the actor's."""
        entry_id = uuid.uuid4().hex
        return AuditDraft(
            id=entry_id,
            at=self._clock(),
            actor_id=actor_id,
            actor_role=actor_role,
            action=action,
            target_type=target_type,
            target_id=target_id,
            request_id=request_id,
            chain=opens_chain or chain_of(actor_id, target_id or entry_id, self._shards),
            details=dict(details or {}),
            opens_chain=bool(opens_chain),
        )

    def record(self, **fields: Any) -> AuditEntry:
        """Append an entry that records no other write (same arguments as `draft`)."""
        return self._chains.append([self.draft(**fields)])[0]


# ---------------------------------------------------------------- checkpoints and verification
class CheckpointSigner(Protocol):
    @property
    def key_id(self) -> str: ...

    def sign(self, digest: bytes) -> bytes: ...


class CheckpointVerifier(Protocol):
    def verify(self, key_id: str, digest: bytes, signature: bytes) -> bool:
        """Whether `signature` is the key's signature of `digest` (the public key is enough)."""
        ...


class TrailReader(Protocol):
    def checkpoints(self) -> Iterator[Checkpoint]:
        """Every checkpoint, in number order."""
        ...

    def chains(self) -> Iterator[tuple[str, list[AuditEntry]]]:
        """Every chain with its entries in sequence order."""
        ...


class TrailStore(TrailReader, Protocol):
    def chains_written_since(self, at: str) -> set[str]:
        """The chains with an entry at or after `at` (ISO time; "" for all)."""
        ...

    def head(self, chain: str) -> tuple[int, str]:
        """(last sequence number, its hash); (0, GENESIS_HASH) for an empty chain."""
        ...

    def last_checkpoint(self) -> Checkpoint | None: ...

    def put_checkpoint(self, checkpoint: Checkpoint) -> bool:
        """False if a checkpoint with this number exists already (another run took it)."""
        ...


class AuditCheckpoints:
    def __init__(self, store: TrailStore, signer: CheckpointSigner, clock: Callable[[], datetime]) -> None:
        self._store, self._signer, self._clock = store, signer, clock

    def take(self) -> Checkpoint | None:
        """Sign the heads of the chains that moved since the last checkpoint; None if none did."""
        now = self._clock()
        last = self._store.last_checkpoint()
        since = "" if last is None else _iso(datetime.fromisoformat(last.at) - CHECKPOINT_OVERLAP)
        chains = self._store.chains_written_since(since)
        if not chains:
            return None
        seen = last.heads if last is not None else {}
        heads = {chain: self._store.head(chain) for chain in sorted(chains)}
        moved = {chain: head for chain, head in heads.items() if head[0] > 0 and seen.get(chain) != head}
        if not moved:
            return None
        draft = Checkpoint(
            seq=(last.seq if last else 0) + 1,
            at=_iso(now),
            heads=moved,
            prev_hash=last.hash if last else "",
            key_id=self._signer.key_id,
        )
        signature = base64.b64encode(self._signer.sign(draft.digest())).decode()
        checkpoint = replace(draft, signature=signature)
        return checkpoint if self._store.put_checkpoint(checkpoint) else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def verify_trail(store: TrailReader, verifier: CheckpointVerifier) -> AuditBreak | None:
    """The first break in the trail: a tampered, reordered or missing entry in a chain, a checkpoint
    whose signature or link does not hold, or a checkpointed head that a chain no longer reaches."""
    hashes: dict[str, dict[int, str]] = {}
    for chain, entries in store.chains():
        found = chain_break(chain, entries)
        if found is not None:
            return found
        hashes[chain] = {entry.seq: entry.hash for entry in entries}
    return _checkpoints_break(store.checkpoints(), verifier, hashes)


def _checkpoints_break(
    checkpoints: Iterable[Checkpoint], verifier: CheckpointVerifier, hashes: Mapping[str, Mapping[int, str]]
) -> AuditBreak | None:
    prev_hash, expected = "", 1
    for checkpoint in checkpoints:
        if checkpoint.seq != expected or checkpoint.prev_hash != prev_hash:
            return AuditBreak("checkpoints", checkpoint.seq, "checkpoint missing, reordered or relinked")
        if not verifier.verify(
            checkpoint.key_id, checkpoint.digest(), base64.b64decode(checkpoint.signature)
        ):
            return AuditBreak("checkpoints", checkpoint.seq, "signature does not verify")
        for chain, head in sorted(checkpoint.heads.items()):
            found = head_break(chain, head, hashes.get(chain, {}), checkpoint.seq)
            if found is not None:
                return found
        prev_hash, expected = checkpoint.hash, expected + 1
    return None
