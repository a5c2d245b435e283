"""Users in the Users table, with email and name sealed by the envelope cipher.

Items: `USER#<id>/PROFILE` (the user; gsi1 `USER` / `<created_at>#<id>` lists them for admins,
who turn each raw item into a User with `from_item`)
and `EMAIL#<blind index>/EMAIL` (a guard that makes an email unique: it is written in the same
transaction as the user, on the condition that it does not exist). No item holds an email or
name in clear, and the blind index is a keyed hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from shop.adapters.audit_dynamo import AuditChains, sealing
from shop.adapters.busy_transactions import only_busy, transact_write
from shop.adapters.pii_crypto import EnvelopeCipher
from shop.domain.audit_chain import AuditDraft
from shop.domain.users import User, UserRole
from shop.errors import Contention, EmailTaken, NotFound
from shop.services.auth_ports import StoredCredentials

AAD_TABLE = "users"  # the table's role, not its physical name: a restored copy must still decrypt
_ser, _de = TypeSerializer(), TypeDeserializer()
PII_FIELDS = ("email", "name")


def user_key(user_id: str) -> dict[str, str]:
    return {"pk": f"USER#{user_id}", "sk": "PROFILE"}


def _item_key(key: dict[str, str]) -> str:
    return f"{key['pk']}|{key['sk']}"


def _dump(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _ser.serialize(value) for name, value in item.items()}


def _load(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _de.deserialize(value) for name, value in item.items()}


def _failed_conditions(exc: ClientError) -> list[bool]:
    reasons = exc.response.get("CancellationReasons") or []
    return [reason.get("Code") == "ConditionalCheckFailed" for reason in reasons]


class DynamoUsers:
    def __init__(
        self, dynamodb: Any, table: str, cipher: EnvelopeCipher, audit: AuditChains | None = None
    ) -> None:
        self._db, self._table, self._cipher, self._audit = dynamodb, table, cipher, audit

    def create(self, user: User, email_index: str, audit: Sequence[AuditDraft] = ()) -> None:
        key = user_key(user.id)
        sealed = self._cipher.seal(AAD_TABLE, _item_key(key), {"email": user.email, "name": user.name})
        item = {
            **key,
            "gsi1pk": "USER",
            "gsi1sk": f"{user.created_at.isoformat()}#{user.id}",
            "entity": "user",
            "id": user.id,
            "role": user.role,
            "disabled": user.disabled,
            "created_at": user.created_at.isoformat(),
            "password_hash": user.password_hash,
            "email_index": email_index,
            "pii_key": sealed.encrypted_key,
            **{f"{name}_enc": value for name, value in sealed.values.items()},
        }
        guard = {"pk": f"EMAIL#{email_index}", "sk": "EMAIL", "entity": "email_guard", "user_id": user.id}
        absent = "attribute_not_exists(pk)"
        try:
            transact_write(
                self._db,
                [
                    {"Put": {"TableName": self._table, "Item": _dump(item), "ConditionExpression": absent}},
                    {"Put": {"TableName": self._table, "Item": _dump(guard), "ConditionExpression": absent}},
                ],
                audit=sealing(self._audit, audit),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException" and any(
                _failed_conditions(exc)[1:]
            ):
                raise EmailTaken() from exc
            if only_busy(exc):
                raise Contention() from exc
            raise

    def get(self, user_id: str) -> User | None:
        answer = self._db.get_item(TableName=self._table, Key=_dump(user_key(user_id)), ConsistentRead=True)
        return self.from_item(answer["Item"]) if "Item" in answer else None

    def find_by_email_index(self, email_index: str) -> User | None:
        found = self.find_credentials(email_index)
        return found.unseal() if found is not None else None

    def find_credentials(self, email_index: str) -> StoredCredentials | None:
        """Two reads whether or not the email exists, so login timing does not tell which it is;
        the email and name stay sealed until `unseal`, so a wrong password never costs a KMS call
        nor puts anyone's personal data in memory."""
        key = {"pk": f"EMAIL#{email_index}", "sk": "EMAIL"}
        answer = self._db.get_item(TableName=self._table, Key=_dump(key), ConsistentRead=True)
        user_id = answer["Item"]["user_id"]["S"] if "Item" in answer else "none"
        raw = self._db.get_item(TableName=self._table, Key=_dump(user_key(user_id)), ConsistentRead=True)
        if "Item" not in answer or "Item" not in raw:
            return None
        item = _load(raw["Item"])
        return StoredCredentials(
            user_id=item["id"],
            role=cast(UserRole, item["role"]),
            disabled=bool(item["disabled"]),
            password_hash=item["password_hash"],
            unseal=lambda: self.from_item(raw["Item"]),
        )

    def update_access(
        self,
        user_id: str,
        *,
        role: UserRole | None = None,
        disabled: bool | None = None,
        audit: Sequence[AuditDraft] = (),
    ) -> User:
        """Change a user's role and/or disabled flag, bumping their access version so that every
        access token issued before stops working; NotFound if there is no such user. The entries
        recording the change are written in its transaction."""
        changes = {
            name: value for name, value in (("role", role), ("disabled", disabled)) if value is not None
        }
        bumps = ("access_version", "session_epoch") if disabled else ("access_version",)
        if not audit or not changes:
            return self._update(user_id, changes, bumps)
        update = self._update_request(user_id, changes, bumps)
        try:
            transact_write(self._db, [{"Update": update}], audit=sealing(self._audit, audit))
        except ClientError as exc:
            if _failed_conditions(exc)[:1] == [True]:
                raise NotFound() from exc
            raise
        found = self.get(user_id)
        if found is None:
            raise NotFound()
        return found

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self._update(user_id, {"password_hash": password_hash})

    def _update(self, user_id: str, changes: dict[str, Any], bumps: Sequence[str] = ()) -> User:
        if not changes:
            found = self.get(user_id)
            if found is None:
                raise NotFound()
            return found
        try:
            answer = self._db.update_item(
                **self._update_request(user_id, changes, bumps), ReturnValues="ALL_NEW"
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise NotFound() from exc
            raise
        return self.from_item(answer["Attributes"])

    def _update_request(self, user_id: str, changes: dict[str, Any], bumps: Sequence[str]) -> dict[str, Any]:
        """SET the changes and ADD 1 to each counter in `bumps`."""
        names = {f"#f{i}": name for i, name in enumerate(changes)}
        values = {f":v{i}": _ser.serialize(value) for i, value in enumerate(changes.values())}
        update = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(changes)))
        if bumps:
            update, values[":one"] = f"{update} ADD {', '.join(f'{c} :one' for c in bumps)}", {"N": "1"}
        return {
            "TableName": self._table,
            "Key": _dump(user_key(user_id)),
            "UpdateExpression": update,
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def from_item(self, raw: dict[str, Any]) -> User:
        """A user from a raw (attribute-value) item, decrypted; for listings that query gsi1 themselves."""
        item = _load(raw)
        key = {"pk": item["pk"], "sk": item["sk"]}
        sealed = {name: _bytes(item[f"{name}_enc"]) for name in PII_FIELDS}
        plain = self._cipher.open(AAD_TABLE, _item_key(key), _bytes(item["pii_key"]), sealed)
        return User(
            id=item["id"],
            email=plain["email"],
            name=plain["name"],
            role=cast(UserRole, item["role"]),
            disabled=bool(item["disabled"]),
            created_at=datetime.fromisoformat(item["created_at"]),
            password_hash=item["password_hash"],
            access_version=int(item.get("access_version", 0)),
            session_epoch=int(item.get("session_epoch", 0)),
        )


def _bytes(value: Any) -> bytes:
    return bytes(value)  # boto3's Binary converts itself
