"""Refresh tokens and their families in the Users table.

`REFRESH#<sha256>/REFRESH` holds one token's state (never the token), `FAMILY#<id>/FAMILY` one
login's state, indexed on gsi1 `USERFAM#<user id>` (a user's families). Rotation is one transaction: spend the old token only if it is still active and
unexpired, check that the family is not revoked, add the successor. Of two concurrent refreshes
with one token, DynamoDB lets exactly one through. Items expire by TTL with their family.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from botocore.exceptions import ClientError

from shop.adapters.audit.audit_dynamo import AuditChains, sealing
from shop.adapters.busy_transactions import AttrMap, cancellation_reasons, only_busy, transact_write
from shop.adapters.dynamo_codec import from_item, to_item
from shop.adapters.dynamo_paging import every_item
from shop.domain.audit_chain import AuditDraft
from shop.domain.tokens import RefreshStatus, RefreshToken
from shop.errors import Contention

CONFLICT_RETRIES = 3


def _token_key(token_hash: str) -> dict[str, Any]:
    return {"pk": {"S": f"REFRESH#{token_hash}"}, "sk": {"S": "REFRESH"}}


def _family_key(family_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"FAMILY#{family_id}"}, "sk": {"S": "FAMILY"}}


def _token_item(token: RefreshToken) -> dict[str, Any]:
    fields = {
        "entity": "refresh_token",
        "family_id": token.family_id,
        "user_id": token.user_id,
        "status": token.status,
        "expires_at": token.expires_at,
        "session_epoch": token.session_epoch,
    }
    return {**_token_key(token.token_hash), **to_item(fields)}


class DynamoRefreshTokens:
    def __init__(self, dynamodb: Any, table: str, audit: AuditChains | None = None) -> None:
        self._db, self._table, self._audit = dynamodb, table, audit

    def start_family(
        self, token: RefreshToken, audit: Sequence[AuditDraft] = (), along: Sequence[AttrMap] = ()
    ) -> None:
        """The new login's family and first token, with the entries recording the login and the
        elements `along` (a rate-limit slot given back), in one transaction."""
        family = {
            **_family_key(token.family_id),
            "entity": {"S": "refresh_family"},
            "user_id": {"S": token.user_id},
            "gsi1pk": {"S": f"USERFAM#{token.user_id}"},
            "gsi1sk": {"S": token.family_id},
            "revoked": {"BOOL": False},
            "expires_at": {"N": str(token.expires_at)},
        }
        absent = "attribute_not_exists(pk)"
        items = [
            {"Put": {"TableName": self._table, "Item": family, "ConditionExpression": absent}},
            {"Put": {"TableName": self._table, "Item": _token_item(token), "ConditionExpression": absent}},
            *along,
        ]
        transact_write(self._db, items, audit=sealing(self._audit, audit))

    def find(self, token_hash: str) -> RefreshToken | None:
        answer = self._db.get_item(TableName=self._table, Key=_token_key(token_hash), ConsistentRead=True)
        if "Item" not in answer:
            return None
        item = from_item(answer["Item"])
        return RefreshToken(
            token_hash=token_hash,
            family_id=item["family_id"],
            user_id=item["user_id"],
            status=cast(RefreshStatus, item["status"]),
            expires_at=int(item["expires_at"]),
            session_epoch=int(item.get("session_epoch", 0)),
        )

    def rotate(self, spent_hash: str, successor: RefreshToken, now: int) -> bool:
        """Spend `spent_hash` and store `successor`, atomically; False if the old token was not
        active any more, had expired, or its family was revoked. Contention (409) if the items
        stayed busy: the old token was not spent, so it must not be answered as invalid (401)."""
        items = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": _token_key(spent_hash),
                    "UpdateExpression": "SET #status = :spent, spent_at = :now",
                    "ConditionExpression": "#status = :active AND expires_at > :now AND family_id = :family",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":spent": {"S": "spent"},
                        ":active": {"S": "active"},
                        ":now": {"N": str(now)},
                        ":family": {"S": successor.family_id},
                    },
                }
            },
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": _family_key(successor.family_id),
                    "ConditionExpression": "revoked = :no",
                    "ExpressionAttributeValues": {":no": {"BOOL": False}},
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _token_item(successor),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
        try:
            transact_write(self._db, items, attempts=CONFLICT_RETRIES)
        except ClientError as exc:
            if only_busy(exc):  # the token is still active: the client may simply retry
                raise Contention("The refresh collided with a concurrent change; retry it.") from exc
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                return False
            raise
        return True

    def live_families(self, user_id: str) -> list[str]:
        """The user's families not revoked yet (gsi1, never a Scan). A disable revokes none of them
        (Sessions.refresh refuses a family of an older session epoch): this is for inspection."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :user",
            "FilterExpression": "revoked = :no",
            "ExpressionAttributeValues": {":user": {"S": f"USERFAM#{user_id}"}, ":no": {"BOOL": False}},
        }
        return [item["gsi1sk"]["S"] for item in every_item(self._db.query, query)]

    def revoke_family(self, family_id: str, audit: Sequence[AuditDraft] = ()) -> None:
        """Revoke a family (gone already: nothing to do), with the entries recording why, if any."""
        revoke = {
            "TableName": self._table,
            "Key": _family_key(family_id),
            "UpdateExpression": "SET revoked = :yes",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": {":yes": {"BOOL": True}},
        }
        try:
            if audit:
                transact_write(self._db, [{"Update": revoke}], audit=sealing(self._audit, audit))
            else:
                self._db.update_item(**revoke)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            gone = (
                code == "TransactionCanceledException"
                and cancellation_reasons(exc)[0] == "ConditionalCheckFailed"
            )
            if gone and self._audit is not None:
                self._audit.append(audit)  # the family expired meanwhile: the attempt is still recorded
            elif code != "ConditionalCheckFailedException":
                raise
