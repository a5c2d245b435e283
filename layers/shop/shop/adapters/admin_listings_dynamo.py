"""The admin listings: users (UsersTable gsi1 `USER`) and the audit trail (AuditTable), newest first.

Users are decrypted through the users adapter (a page also reads their ACCESS items, which hold the
role and disabled flag of users an admin changed, in one BatchGetItem), whose cipher keeps opened data keys in memory: a
page costs one KMS Decrypt per data key not seen before, not one per user (a writer reuses its data
key for many users). Audit entries come from gsi3 `ENTRIES` (all, by time), gsi1 `ACTOR#<id>` or
gsi2 `ACTION#<action>`; with both filters the actor's partition is read and the action filtered,
so one query serves every combination without a Scan. The actions of ONE_PER_ORDER are not in gsi2
(see audit_dynamo): they are read from gsi3 and filtered, and being frequent they fill pages fast.
An actor's entries in their own chain are in no index by actor: an actor's page merges that chain
with gsi1's entries of the actor in other chains (merged_page, the paging helper).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shop.adapters.audit.audit_dynamo import (
    ALL_ENTRIES,
    CHAIN_PREFIX,
    ONE_PER_ORDER,
    action_key,
    entry_from_item,
    own_chain,
)
from shop.adapters.batch_reads import get_items
from shop.adapters.dynamo_codec import AttrMap
from shop.adapters.dynamo_paging import PagedQuery, merged_page, query_page, scope_of
from shop.domain.audit_chain import AuditEntry
from shop.domain.paging import Page
from shop.domain.users import User

if TYPE_CHECKING:  # an annotation only: GET /admin/audit must not import the PII cipher (cryptography)
    from shop.adapters.users.users_dynamo import DynamoUsers


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
        if actor_id is None:
            page = query_page(self._db, self._partition(action), limit, cursor)
        else:
            streams = self._actor_streams(actor_id, action)
            scope = scope_of("admin-audit", actor_id, action)
            page = merged_page(self._db, streams, scope, "gsi3sk", limit, cursor)
        return Page([entry_from_item(item) for item in page.items], page.next_cursor)

    def _partition(self, action: str | None) -> PagedQuery:
        common: dict[str, Any] = {
            "table": self._table,
            "scope": scope_of("admin-audit", None, action),
            "newest_first": True,
            "item_pk_prefix": CHAIN_PREFIX,
        }
        if action is not None and action not in ONE_PER_ORDER:
            return PagedQuery(partitions=[action_key(action)], index="gsi2", **common)
        return PagedQuery(partitions=[ALL_ENTRIES], index="gsi3", filter=_only(action), **common)

    def _actor_streams(self, actor_id: str, action: str | None) -> dict[str, PagedQuery]:
        """The actor's own chain (most of its entries, in no index by actor) and gsi1's entries of
        the actor elsewhere (logins' sessions, shared chains; older entries of the own chain that
        gsi1 still holds are filtered out, so nothing is listed twice)."""
        scope = scope_of("admin-audit", actor_id, action)
        own = own_chain(actor_id)
        only, values = _only(action) or ("", {})
        elsewhere = (" AND ".join(filter(None, ["pk <> :own", only])), values | {":own": {"S": own}})
        common: dict[str, Any] = {"table": self._table, "newest_first": True, "item_pk_prefix": CHAIN_PREFIX}
        return {
            "c": PagedQuery(partitions=[own], scope=scope_of(scope, "c"), filter=_only(action), **common),
            "o": PagedQuery(
                partitions=[f"ACTOR#{actor_id}"],
                scope=scope_of(scope, "o"),
                index="gsi1",
                filter=elsewhere,
                **common,
            ),
        }


def _only(action: str | None) -> tuple[str, AttrMap] | None:
    return None if action is None else ("gsi2pk = :action", {":action": {"S": action_key(action)}})
