"""The audit trail in the Audit table: chains of entries, and signed checkpoints of their heads.

Items (pk / sk):
  CHAIN#<chain> / SEQ#<000000000042>  entry 42 of a chain. Written once, by a PutItem (or a Put in
                                      the transaction of the change it records) conditioned on
                                      attribute_not_exists: nothing ever updates or deletes one.
                                      gsi1 ACTOR#<actor_id>, gsi2 ACTION#<action>, gsi3 ENTRIES, all
                                      sorted by `<at>#<id>`, for the listings and the checkpoints.
                                      gsi1 and gsi2 are sparse: an entry in its actor's own chain
                                      (`user#<actor_id>`) has no gsi1 keys (the chain lists it), and
                                      an entry of an action in ONE_PER_ORDER has no `gsi2sk`, so it is
                                      listed from gsi3 filtered on its `gsi2pk`.
  CHECKPOINTS / SEQ#<000000000007>    checkpoint 7: chain heads, signed (`shop.domain.audit_chain`).
There is no head item: a chain's head is its last entry, read with one Query. Two writers that
read the same head race for the same key; the loser's transaction is cancelled as a whole (its
change is not written either) and is sent again on the new head.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import ClientError

from shop.adapters.busy_transactions import cancellation_reasons, transact_write
from shop.adapters.dynamo_codec import AttrMap, from_item, to_item
from shop.adapters.dynamo_paging import every_item
from shop.backoff import retried
from shop.domain.audit_chain import GENESIS_HASH, AuditDraft, AuditEntry, Checkpoint, canonical_json, sealed
from shop.errors import Conflict

CHAIN_PREFIX = "CHAIN#"
ALL_ENTRIES = "ENTRIES"
CHECKPOINTS = "CHECKPOINTS"
RACE_ATTEMPTS = 8
# A payment's entry is written in the payment's transaction, where every index it enters costs two
# write units per order. These actions are a large share of the trail, so a listing of one of them
# fills its pages quickly from gsi3 (every entry by time) with a filter and needs no gsi2 entry.
ONE_PER_ORDER = frozenset({"payment.succeeded", "payment.failed"})


def _seq_key(seq: int) -> str:
    return f"SEQ#{seq:012d}"


def own_chain(actor_id: str) -> str:
    """The chain of a user's own requests (shop.domain.audit_chain.chain_of), as stored."""
    return f"{CHAIN_PREFIX}user#{actor_id}"


def entry_item(entry: AuditEntry) -> AttrMap:
    sort = f"{entry.at}#{entry.id}"
    pk = f"{CHAIN_PREFIX}{entry.chain}"
    elsewhere = pk != own_chain(entry.actor_id)  # a login's session, a shared chain
    item = {
        "pk": pk,
        "sk": _seq_key(entry.seq),
        "gsi1pk": f"ACTOR#{entry.actor_id}" if elsewhere else None,
        "gsi1sk": sort if elsewhere else None,
        "gsi2pk": action_key(entry.action),
        "gsi2sk": None if entry.action in ONE_PER_ORDER else sort,
        "gsi3pk": ALL_ENTRIES,
        "gsi3sk": sort,
        "id": entry.id,
        "chain": entry.chain,
        "seq": entry.seq,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "request_id": entry.request_id,
        "details": canonical_json(entry.details),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }
    return to_item(item)


def action_key(action: str) -> str:
    """An entry's `gsi2pk`: the key of its action in gsi2, and what the listings filter on."""
    return f"ACTION#{action}"


def entry_from_item(raw: AttrMap) -> AuditEntry:
    """An entry as stored (for listings and verification); `details` is decoded from its JSON text."""
    item = from_item(raw)
    return AuditEntry(
        id=item["id"],
        seq=int(item["seq"]),
        at=item["at"],
        actor_id=item["actor_id"],
        actor_role=item["actor_role"],
        action=item["action"],
        target_type=item["target_type"],
        target_id=item["target_id"],
        request_id=item["request_id"],
        details=json.loads(item["details"]),
        chain=item.get("chain", ""),
        prev_hash=item["prev_hash"],
        hash=item["hash"],
    )


def put_entry(table: str, entry: AuditEntry) -> AttrMap:
    """The transaction element that appends `entry`, if its place in the chain is still free."""
    return {
        "Put": {
            "TableName": table,
            "Item": entry_item(entry),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


class SealedEntries:
    """Drafts bound to the chains they go to: each `puts()` reads the heads again and seals the drafts
    after them (several drafts of one chain follow each other)."""

    def __init__(self, chains: AuditChains, drafts: Sequence[AuditDraft]) -> None:
        self._chains, self._drafts = chains, list(drafts)
        self.entries: list[AuditEntry] = []
        self._tries = 0

    def puts(self) -> list[AttrMap]:
        """A draft that opens a new chain is put first in line without reading; only if that place
        was taken after all (a race lost) is the head read on the next try."""
        heads: dict[str, tuple[int, str]] = {}
        first_try, self._tries = self._tries == 0, self._tries + 1
        self.entries = []
        for draft in self._drafts:
            if draft.chain not in heads and draft.opens_chain and first_try:
                heads[draft.chain] = (0, GENESIS_HASH)
            seq, last = heads.get(draft.chain) or self._chains.head(draft.chain)
            entry = sealed(draft, seq + 1, last)
            heads[draft.chain] = (entry.seq, entry.hash)
            self.entries.append(entry)
        return [put_entry(self._chains.table, entry) for entry in self.entries]

    def lost_race(self, exc: ClientError, first: int) -> bool:
        """Cancelled because another writer took one of these places, and for nothing else."""
        reasons = cancellation_reasons(exc)
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            return False
        change, audit = reasons[:first], reasons[first:]
        return all(r == "None" for r in change) and "ConditionalCheckFailed" in audit


def sealing(chains: AuditChains | None, drafts: Sequence[AuditDraft]) -> SealedEntries | None:
    """What a store passes to `transact_write(..., audit=...)`: None when there is nothing to audit.
    A store built without the chains (a reader's) cannot write audited changes."""
    if not drafts:
        return None
    if chains is None:
        raise TypeError("this store was built without the audit chains")
    return SealedEntries(chains, drafts)


class AuditChains:
    """Appends to the chains, alone or inside the transaction of the change an entry records."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self.table = dynamodb, table

    def head(self, chain: str) -> tuple[int, str]:
        answer = self._db.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"{CHAIN_PREFIX}{chain}"}},
            ProjectionExpression="seq, #hash",
            ExpressionAttributeNames={"#hash": "hash"},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = answer.get("Items") or []
        if not items:
            return 0, GENESIS_HASH
        return int(items[0]["seq"]["N"]), items[0]["hash"]["S"]

    def append(self, drafts: Sequence[AuditDraft]) -> list[AuditEntry]:
        sealing = SealedEntries(self, drafts)

        def write() -> list[AuditEntry]:
            puts = sealing.puts()
            if len(puts) == 1:
                self._db.put_item(**puts[0]["Put"])
            else:
                transact_write(self._db, puts)
            return sealing.entries

        def lost_race(exc: ClientError) -> bool:
            code = exc.response.get("Error", {}).get("Code")
            return code == "ConditionalCheckFailedException" or sealing.lost_race(exc, 0)

        return retried(
            write,
            lost=ClientError,
            retry_if=lost_race,
            gave_up=lambda _: Conflict("The audit trail is busy; try again."),
            attempts=RACE_ATTEMPTS,
        )


# ---------------------------------------------------------------- checkpoints and verification
def checkpoint_item(checkpoint: Checkpoint) -> AttrMap:
    heads = {chain: list(head) for chain, head in sorted(checkpoint.heads.items())}
    item = {
        "pk": CHECKPOINTS,
        "sk": _seq_key(checkpoint.seq),
        "seq": checkpoint.seq,
        "at": checkpoint.at,
        "heads": canonical_json(heads),
        "prev_hash": checkpoint.prev_hash,
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }
    return to_item(item)


def checkpoint_from_item(raw: AttrMap) -> Checkpoint:
    item = from_item(raw)
    heads = {chain: (int(seq), str(h)) for chain, (seq, h) in json.loads(item["heads"]).items()}
    return Checkpoint(
        seq=int(item["seq"]),
        at=item["at"],
        heads=heads,
        prev_hash=item["prev_hash"],
        key_id=item["key_id"],
        signature=item["signature"],
    )


class DynamoTrail(AuditChains):
    """The whole trail, for the checkpoint function and the verifier (`shop.services.audit.TrailStore`)."""

    def chains_written_since(self, at: str) -> set[str]:
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "gsi3",
            "KeyConditionExpression": "gsi3pk = :all",
            "ExpressionAttributeValues": {":all": {"S": ALL_ENTRIES}},
            "ProjectionExpression": "pk",
        }
        if at:
            query["KeyConditionExpression"] += " AND gsi3sk >= :since"
            query["ExpressionAttributeValues"][":since"] = {"S": at}
        return {item["pk"]["S"].removeprefix(CHAIN_PREFIX) for item in every_item(self._db.query, query)}

    def last_checkpoint(self) -> Checkpoint | None:
        answer = self._db.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": CHECKPOINTS}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = answer.get("Items") or []
        return checkpoint_from_item(items[0]) if items else None

    def put_checkpoint(self, checkpoint: Checkpoint) -> bool:
        try:
            self._db.put_item(
                TableName=self.table,
                Item=checkpoint_item(checkpoint),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def checkpoints(self) -> Iterator[Checkpoint]:
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": CHECKPOINTS}},
            "ConsistentRead": True,
        }
        yield from (checkpoint_from_item(item) for item in every_item(self._db.query, query))

    def chains(self) -> Iterator[tuple[str, list[AuditEntry]]]:
        """A Scan: this is the offline verifier's read, never a request's."""
        by_chain: dict[str, list[AuditEntry]] = {}
        scan: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "begins_with(pk, :chain)",
            "ExpressionAttributeValues": {":chain": {"S": CHAIN_PREFIX}},
            "ConsistentRead": True,
        }
        for item in every_item(self._db.scan, scan):
            entry = entry_from_item(item)
            by_chain.setdefault(item["pk"]["S"].removeprefix(CHAIN_PREFIX), []).append(entry)
        for chain in sorted(by_chain):
            yield chain, sorted(by_chain[chain], key=lambda entry: entry.seq)

    def entries(self) -> list[AuditEntry]:
        """Every entry of every chain, oldest first (a Scan, like `chains`)."""
        every = [entry for _, entries in self.chains() for entry in entries]
        return sorted(every, key=lambda entry: (entry.at, entry.chain, entry.seq))
