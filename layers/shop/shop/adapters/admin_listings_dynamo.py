"""The admin listings: users (UsersTable gsi1 `USER`) and the audit trail (AuditTable), newest first.

Users are decrypted through the users adapter (a page also reads their ACCESS items, which hold the
role and disabled flag of users an admin changed, in one BatchGetItem), whose cipher keeps opened data keys in memory: a
page costs one KMS Decrypt per data key not seen before, not one per user (a writer reuses its data
key for many users). Audit entries come from gsi3 `ENTRIES` (all, by time), gsi1 `ACTOR#<id>` or
gsi2 `ACTION#<action>`; with both filters the actor's partition is read and the action filtered,
so one query serves every combination without a Scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shop.adapters.audit_dynamo import ALL_ENTRIES, CHAIN_PREFIX, entry_from_item
from shop.adapters.batch_reads import get_items
from shop.adapters.dynamo_paging import PagedQuery, query_page, scope_of
from shop.domain.audit_chain import AuditEntry
from shop.domain.paging import Page
from shop.domain.users import User

if TYPE_CHECKING:  # an annotation only: GET /admin/audit must not import the PII cipher (cryptography)
    from shop.adapters.users_dynamo import DynamoUsers


class DynamoUserDirectory:
    def __init__(self, dynamodb: Any, table: str, users: DynamoUsers) -> None:
        self._db, self._table, self._users = dynamodb, table, users

    def newest_users(self, limit: int, cursor: str | None) -> Page[User]:
        spec = PagedQuery(
            table=self._table,
            partitions=["USER"],
            scope=scope_of("admin-users", "gsi1"),
            index="gsi1",
            newest_first=True,
            item_pk_prefix="USER#",
        )
        page = query_page(self._db, spec, limit, cursor)
        keys = [{"pk": item["pk"], "sk": {"S": "ACCESS"}} for item in page.items]
        access = {item["pk"]["S"]: item for item in get_items(self._db, self._table, keys)} if keys else {}
        users = [self._users.from_item(item, access.get(item["pk"]["S"])) for item in page.items]
        return Page(users, page.next_cursor)


class DynamoAuditListing:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def newest_entries(
        self, actor_id: str | None, action: str | None, limit: int, cursor: str | None
    ) -> Page[AuditEntry]:
        page = query_page(self._db, self._partition(actor_id, action), limit, cursor)
        return Page([entry_from_item(item) for item in page.items], page.next_cursor)

    def _partition(self, actor_id: str | None, action: str | None) -> PagedQuery:
        scope = scope_of("admin-audit", actor_id, action)
        common: dict[str, Any] = {
            "table": self._table,
            "scope": scope,
            "newest_first": True,
            "item_pk_prefix": CHAIN_PREFIX,
        }
        if actor_id is not None:
            only_action = None
            if action is not None:
                only_action = ("gsi2pk = :action", {":action": {"S": f"ACTION#{action}"}})
            return PagedQuery(partitions=[f"ACTOR#{actor_id}"], index="gsi1", filter=only_action, **common)
        if action is not None:
            return PagedQuery(partitions=[f"ACTION#{action}"], index="gsi2", **common)
        return PagedQuery(partitions=[ALL_ENTRIES], index="gsi3", **common)
