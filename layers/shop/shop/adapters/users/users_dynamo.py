"""Users in the Users table, with email and name sealed by the envelope cipher.

Items: `USER#<id>/PROFILE` (the user; gsi1 `USER` / `<created_at>#<id>` lists them for admins,
who turn each raw item into a User with `from_item`), which registration writes (and a login that
rehashes the password); `USER#<id>/ACCESS`, which only admins' changes write: the user's role,
disabled flag, access version and session epoch once an admin changed any of them (until then the
profile's own, from registration), so that no item is written by both the user's requests and an
admin's; a user is read as their partition's one Query;
and `EMAIL#<blind index>/EMAIL` (a guard that makes an email unique: it is written in the same
transaction as the user, on the condition that it does not exist). No item holds an email or
name in clear, and the blind index is a keyed hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from botocore.exceptions import ClientError

from shop.adapters.audit.audit_dynamo import AuditChains, sealing
from shop.adapters.batch_reads import get_from_tables
from shop.adapters.busy_transactions import AttrMap, only_busy, transact_write
from shop.adapters.dynamo_codec import from_item, to_item, to_value
from shop.adapters.pii_crypto import EnvelopeCipher
from shop.backoff import retried
from shop.domain.audit_chain import AuditDraft
from shop.domain.users import User, UserRole, changes_access
from shop.errors import Contention, EmailTaken, NotFound
from shop.services.auth_ports import AccessEntries, ReadAlong, StoredCredentials, no_entries

AAD_TABLE = "users"  # the table's role, not its physical name: a restored copy must still decrypt
PII_FIELDS = ("email", "name")


ACCESS_FIELDS = ("role", "disabled", "access_version", "session_epoch")


def user_key(user_id: str) -> dict[str, str]:
    return {"pk": f"USER#{user_id}", "sk": "PROFILE"}


def access_key(user_id: str) -> dict[str, str]:
    return {"pk": f"USER#{user_id}", "sk": "ACCESS"}


def with_access(profile: dict[str, Any], access: dict[str, Any] | None) -> dict[str, Any]:
    """The profile's raw item with the admin's access fields over its own (if an admin set any)."""
    return profile if access is None else profile | {k: access[k] for k in ACCESS_FIELDS if k in access}


def _item_key(key: dict[str, str]) -> str:
    return f"{key['pk']}|{key['sk']}"


def _matching(items: Sequence[AttrMap], key: AttrMap) -> AttrMap | None:
    """The item among `items` whose key attributes are `key`'s."""
    return next((item for item in items if all(item.get(name) == value for name, value in key.items())), None)


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
                    {"Put": {"TableName": self._table, "Item": to_item(item), "ConditionExpression": absent}},
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(guard),
                            "ConditionExpression": absent,
                        }
                    },
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
        profile, access = self._partition(user_id)
        return self.from_item(profile, access) if profile is not None else None

    def _partition(self, user_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The raw PROFILE and ACCESS items of the user (None: absent), in one consistent Query."""
        answer = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": user_key(user_id)["pk"]}},
            ConsistentRead=True,
        )
        by_sk = {item["sk"]["S"]: item for item in answer.get("Items", [])}
        return by_sk.get("PROFILE"), by_sk.get("ACCESS")

    def find_by_email_index(self, email_index: str) -> User | None:
        found = self.find_credentials(email_index)
        return found.unseal() if found is not None else None

    def find_credentials(self, email_index: str, along: Sequence[ReadAlong] = ()) -> StoredCredentials | None:
        """Two reads whether or not the email exists, so login timing does not tell which it is
        (the first, a BatchGetItem if there are items to read `along`); the email and name stay
        sealed until `unseal`, so a wrong password never costs a KMS call nor puts anyone's
        personal data in memory."""
        email = self._email_item(email_index, along)
        user_id = email["user_id"]["S"] if email else "none"
        profile, access = self._partition(user_id)
        if email is None or profile is None:
            return None
        raw = with_access(profile, access)
        item = from_item(raw)
        return StoredCredentials(
            user_id=item["id"],
            role=cast(UserRole, item["role"]),
            disabled=bool(item["disabled"]),
            password_hash=item["password_hash"],
            unseal=lambda: self.from_item(raw),
        )

    def _email_item(self, email_index: str, along: Sequence[ReadAlong]) -> AttrMap | None:
        key = to_item({"pk": f"EMAIL#{email_index}", "sk": "EMAIL"})
        if not along:
            found: AttrMap | None = self._db.get_item(
                TableName=self._table, Key=key, ConsistentRead=True
            ).get("Item")
            return found
        wanted = [(self._table, key), *(other.request() for other in along)]
        keys: dict[str, list[AttrMap]] = {}
        for table, wanted_key in wanted:
            keys.setdefault(table, []).append(wanted_key)
        items = get_from_tables(self._db, keys, consistent=True)
        for other, (table, wanted_key) in zip(along, wanted[1:], strict=True):
            other.found(_matching(items.get(table, []), wanted_key))
        return _matching(items.get(self._table, []), key)

    def update_access(
        self,
        user_id: str,
        *,
        role: UserRole | None = None,
        disabled: bool | None = None,
        audit: AccessEntries = no_entries,
    ) -> User:
        """Change a user's role and/or disabled flag in their ACCESS item, bumping their access version
        so that every access token issued before stops working (and, disabling, their session epoch);
        NotFound if there is no such user. The entries recording the change are written in its
        transaction, made from the version read. Two admins' changes at once both land: the ACCESS
        item is put on condition that its version is still the one read, and the loser reads again
        (Contention if it keeps losing); a change to what already holds writes nothing (no entry, no
        token revoked), so two identical disables at once make one change and one entry."""

        def attempt() -> User:
            before = self.get(user_id)
            if before is None:
                raise NotFound()
            if not changes_access(before, role, disabled):
                return before
            after = replace(
                before,
                role=role or before.role,
                disabled=before.disabled if disabled is None else disabled,
                access_version=before.access_version + 1,
                session_epoch=before.session_epoch + (1 if disabled and not before.disabled else 0),
            )
            fields = {"entity": "user_access"} | {f: getattr(after, f) for f in ACCESS_FIELDS}
            put = {
                "TableName": self._table,
                "Item": to_item(access_key(user_id) | fields),
                "ConditionExpression": "attribute_not_exists(pk) OR access_version = :seen",
                "ExpressionAttributeValues": {":seen": {"N": str(before.access_version)}},
            }
            try:
                transact_write(self._db, [{"Put": put}], audit=sealing(self._audit, audit(before)))
            except ClientError as exc:
                if _failed_conditions(exc)[:1] == [True] or only_busy(exc):
                    raise _AccessChanged() from exc
                raise
            return after

        return retried(attempt, lost=_AccessChanged, gave_up=_access_kept_changing)

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self._update(user_id, {"password_hash": password_hash})

    def _update(self, user_id: str, changes: dict[str, Any]) -> None:
        names = {f"#f{i}": name for i, name in enumerate(changes)}
        values = {f":v{i}": to_value(value) for i, value in enumerate(changes.values())}
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item(user_key(user_id)),
                UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(changes))),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise NotFound() from exc
            raise

    def from_item(self, raw: dict[str, Any], access: dict[str, Any] | None = None) -> User:
        """A user from a raw (attribute-value) profile item and their ACCESS item, if any, decrypted;
        for listings that query gsi1 themselves."""
        item = from_item(with_access(raw, access))
        key = {"pk": item["pk"], "sk": item["sk"]}
        sealed = {name: item[f"{name}_enc"] for name in PII_FIELDS}  # bytes: the codec reads B as bytes
        plain = self._cipher.open(AAD_TABLE, _item_key(key), item["pii_key"], sealed)
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


class _AccessChanged(Exception):
    """The ACCESS item's version moved since it was read (another admin's change), or it was busy."""


def _access_kept_changing(_: _AccessChanged) -> Contention:
    return Contention("Other changes to this user kept coming first; try again.")
