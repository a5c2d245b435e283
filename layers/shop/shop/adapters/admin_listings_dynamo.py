"""The admin listings: users (UsersTable gsi1 `USER`) and the audit trail (AuditTable), newest first.

Users are decrypted through the users adapter, whose cipher keeps opened data keys in memory: a
page costs one KMS Decrypt per data key not seen before, not one per user (a writer reuses its data
key for many users). Audit entries come from gsi3 `ENTRIES` (all, by time), gsi1 `ACTOR#<id>` or
gsi2 `ACTION#<action>`; with both filters the actor's partition is read and the action filtered,
so one query serves every combination without a Scan. The actions of ONE_PER_ORDER are not in gsi2
(see audit_dynamo): they are read from gsi3 and filtered, and being frequent they fill pages fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shop.adapters.audit_dynamo import ALL_ENTRIES, CHAIN_PREFIX, ONE_PER_ORDER, action_key, entry_from_item
from shop.adapters.newest_first_dynamo import Partition, newest_first
from shop.domain.audit_chain import AuditEntry
from shop.domain.paging import Page, scope_of
from shop.domain.users import User

if TYPE_CHECKING:  # an annotation only: GET /admin/audit must not import the PII cipher (cryptography)
    from shop.adapters.users_dynamo import DynamoUsers


class DynamoUserDirectory:
    def __init__(self, dynamodb: Any, table: str, users: DynamoUsers) -> None:
        self._db, self._table, self._users = dynamodb, table, users

    def newest_users(self, limit: int, cursor: str | None) -> Page[User]:
        spec = Partition(
            table=self._table,
            partition="USER",
            scope=scope_of("admin-users", "gsi1"),
            item_pk_prefix="USER#",
            index="gsi1",
        )
        page = newest_first(self._db, spec, limit, cursor)
        return Page([self._users.from_item(item) for item in page.items], page.next_cursor)


class DynamoAuditListing:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def newest_entries(
        self, actor_id: str | None, action: str | None, limit: int, cursor: str | None
    ) -> Page[AuditEntry]:
        page = newest_first(self._db, self._partition(actor_id, action), limit, cursor)
        return Page([entry_from_item(item) for item in page.items], page.next_cursor)

    def _partition(self, actor_id: str | None, action: str | None) -> Partition:
        scope = scope_of("admin-audit", actor_id, action)
        common: dict[str, Any] = {"table": self._table, "scope": scope, "item_pk_prefix": CHAIN_PREFIX}
        only_action = None
        if action is not None:
            only_action = ("gsi2pk = :action", {":action": {"S": action_key(action)}})
        if actor_id is not None:
            return Partition(partition=f"ACTOR#{actor_id}", index="gsi1", filter=only_action, **common)
        if action is not None and action not in ONE_PER_ORDER:
            return Partition(partition=action_key(action), index="gsi2", **common)
        return Partition(partition=ALL_ENTRIES, index="gsi3", filter=only_action, **common)
