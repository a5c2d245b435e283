"""Fakes of shared ports for unit tests, checked by mypy against the ports they stand for.

`RecordingAudit` is the services' AuditPort: `draft` makes real drafts, and a fake store that
commits a change calls `land(drafts)` in the same step, as the DynamoDB stores write them in the
change's transaction; `record` lands at once. `MemoryTrail` is the trail's storage (chains without
a head item, checkpoints) for the audit service's own tests. `FakeUsers` is the users table: the
auth service's UserAccounts and the admin's UserDirectory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from typing import Any
from weakref import WeakValueDictionary

from shop.domain.audit_chain import GENESIS_HASH, AuditDraft, AuditEntry, Checkpoint, sealed
from shop.domain.paging import Page
from shop.domain.users import User, UserRole
from shop.errors import EmailTaken, NotFound
from shop.services.audit import AuditChains, AuditTrail, CheckpointSigner, CheckpointVerifier, TrailStore
from shop.services.auth_ports import StoredCredentials, UserAccounts
from shop.services.catalog_audit import AuditPort
from shop.services.user_admin import UserDirectory

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


class FakeUsers:
    """Users by id and by email index, with the stores' promises: a taken email index is EmailTaken,
    an unknown user NotFound; `writes` counts access changes, `unsealed` decryptions of personal data."""

    def __init__(self, *users: User) -> None:
        self.by_id: dict[str, User] = {user.id: user for user in users}
        self.by_index: dict[str, str] = {}
        self.writes = 0
        self.unsealed = 0

    def create(self, user: User, email_index: str, audit: Sequence[AuditDraft] = ()) -> None:
        if email_index in self.by_index:
            raise EmailTaken()
        self.by_id[user.id], self.by_index[email_index] = user, user.id
        land(audit)

    def get(self, user_id: str) -> User | None:
        return self.by_id.get(user_id)

    def find_by_email_index(self, email_index: str) -> User | None:
        user_id = self.by_index.get(email_index)
        return self.by_id.get(user_id) if user_id else None

    def find_credentials(self, email_index: str) -> StoredCredentials | None:
        user = self.find_by_email_index(email_index)
        if user is None:
            return None

        def unseal() -> User:
            self.unsealed += 1
            return user

        return StoredCredentials(user.id, user.role, user.disabled, user.password_hash, unseal)

    def update_access(
        self,
        user_id: str,
        *,
        role: UserRole | None = None,
        disabled: bool | None = None,
        audit: Sequence[AuditDraft] = (),
    ) -> User:
        if user_id not in self.by_id:
            raise NotFound()
        self.writes += 1
        user = self.by_id[user_id]
        user = replace(user, role=role or user.role, disabled=user.disabled if disabled is None else disabled)
        if disabled:  # like the DynamoDB store: the same write starts a new session epoch
            user = replace(user, session_epoch=user.session_epoch + 1)
        self.by_id[user_id] = user
        land(audit)
        return user

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.by_id[user_id] = replace(self.by_id[user_id], password_hash=password_hash)

    def newest_users(self, limit: int, cursor: str | None) -> Page[User]:
        return Page(list(self.by_id.values())[:limit], None)


def _fakes_fit_their_ports() -> None:
    """Never called: mypy checks here that each fake fits the port it stands for."""
    port: AuditPort = RecordingAudit()
    chains: AuditChains = MemoryTrail()
    store: TrailStore = MemoryTrail()
    signer: CheckpointSigner = HmacSigner()
    verifier: CheckpointVerifier = HmacSigner()
    accounts: UserAccounts = FakeUsers()
    directory: UserDirectory = FakeUsers()
    del port, chains, store, signer, verifier, accounts, directory
