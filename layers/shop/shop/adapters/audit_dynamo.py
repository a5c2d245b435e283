"""The audit trail in the Audit table.

Entries: `AUDIT / SEQ#<000000000042>` in chain order (query newest first for a listing), with
gsi1 `ACTOR#<actor_id>` and gsi2 `ACTION#<action>`, both sorted by `<at>#<id>`, for filtered
listings. The head `AUDIT_HEAD / HEAD` holds the last sequence number and hash; an append writes
the entry and moves the head in one transaction conditioned on the head's old sequence number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from shop.domain.audit_chain import GENESIS_HASH, AuditEntry, canonical_json

_ser, _de = TypeSerializer(), TypeDeserializer()
ENTRIES_PK = "AUDIT"
HEAD_KEY = {"pk": {"S": "AUDIT_HEAD"}, "sk": {"S": "HEAD"}}
_RETRYABLE_REASONS = {"ConditionalCheckFailed", "TransactionConflict"}


def entry_item(entry: AuditEntry) -> dict[str, Any]:
    sort = f"{entry.at}#{entry.id}"
    item = {
        "pk": ENTRIES_PK,
        "sk": f"SEQ#{entry.seq:012d}",
        "gsi1pk": f"ACTOR#{entry.actor_id}",
        "gsi1sk": sort,
        "gsi2pk": f"ACTION#{entry.action}",
        "gsi2sk": sort,
        "id": entry.id,
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
    return {name: _ser.serialize(value) for name, value in item.items()}


def entry_from_item(raw: dict[str, Any]) -> AuditEntry:
    """An entry as stored (for listings and verification); `details` is decoded from its JSON text."""
    item = {name: _de.deserialize(value) for name, value in raw.items()}
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
        prev_hash=item["prev_hash"],
        hash=item["hash"],
    )


class DynamoAuditStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def head(self) -> tuple[int, str]:
        answer = self._db.get_item(TableName=self._table, Key=HEAD_KEY, ConsistentRead=True)
        if "Item" not in answer:
            return 0, GENESIS_HASH
        return int(answer["Item"]["seq"]["N"]), answer["Item"]["hash"]["S"]

    def append(self, entry: AuditEntry) -> bool:
        head = {**HEAD_KEY, "seq": {"N": str(entry.seq)}, "hash": {"S": entry.hash}}
        if entry.seq == 1:
            head_put: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            head_put = {
                "ConditionExpression": "seq = :prev",
                "ExpressionAttributeValues": {":prev": {"N": str(entry.seq - 1)}},
            }
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": entry_item(entry),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {"Put": {"TableName": self._table, "Item": head, **head_put}},
                ]
            )
        except ClientError as exc:
            reasons = {str(r.get("Code")) for r in exc.response.get("CancellationReasons") or []}
            if (
                exc.response["Error"]["Code"] == "TransactionCanceledException"
                and reasons & _RETRYABLE_REASONS
            ):
                return False
            raise
        return True

    def entries(self) -> Iterator[AuditEntry]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :seq)",
            "ExpressionAttributeValues": {":pk": {"S": ENTRIES_PK}, ":seq": {"S": "SEQ#"}},
            "ConsistentRead": True,
        }
        while True:
            answer = self._db.query(**query)
            yield from (entry_from_item(item) for item in answer.get("Items", []))
            if "LastEvaluatedKey" not in answer:
                return
            query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
