"""The admin listings: users (UsersTable gsi1 `USER`) and the audit trail (AuditTable), newest first.

Users are decrypted through the users adapter, whose cipher keeps opened data keys in memory: a
page costs one KMS Decrypt per data key not seen before, not one per user (a writer reuses its data
key for many users). Audit entries come from gsi3 `ENTRIES` (all, by time), gsi1 `ACTOR#<id>` or
gsi2 `ACTION#<action>`; with both filters the actor's partition is read and the action filtered,
so one query serves every combination without a Scan. The actions of ONE_PER_ORDER are not in gsi2
(see audit_dynamo): they are read from gsi3 and filtered, and being frequent they fill pages fast.
An actor's entries in their own chain are in no index by actor: an actor's page merges that chain
with gsi1's entries of the actor in other chains (audit_merged_pages).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shop.adapters.audit_dynamo import (
    ALL_ENTRIES,
    CHAIN_PREFIX,
    ONE_PER_ORDER,
    action_key,
    entry_from_item,
    own_chain,
)
from shop.adapters.audit_merged_pages import merged_newest_first
from shop.adapters.newest_first_dynamo import AttrMap, Partition, newest_first
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
        if actor_id is None:
            page = newest_first(self._db, self._partition(action), limit, cursor)
        else:
            streams = self._actor_streams(actor_id, action)
            page = merged_newest_first(
                self._db, streams, scope_of("admin-audit", actor_id, action), limit, cursor
            )
        return Page([entry_from_item(item) for item in page.items], page.next_cursor)

    def _partition(self, action: str | None) -> Partition:
        common: dict[str, Any] = {
            "table": self._table,
            "scope": scope_of("admin-audit", None, action),
            "item_pk_prefix": CHAIN_PREFIX,
        }
        if action is not None and action not in ONE_PER_ORDER:
            return Partition(partition=action_key(action), index="gsi2", **common)
        return Partition(partition=ALL_ENTRIES, index="gsi3", filter=_only(action), **common)

    def _actor_streams(self, actor_id: str, action: str | None) -> dict[str, Partition]:
        """The actor's own chain (most of its entries, in no index by actor) and gsi1's entries of
        the actor elsewhere (logins' sessions, shared chains; older entries of the own chain that
        gsi1 still holds are filtered out, so nothing is listed twice)."""
        scope = scope_of("admin-audit", actor_id, action)
        own = own_chain(actor_id)
        only, values = _only(action) or ("", {})
        elsewhere = (" AND ".join(filter(None, ["pk <> :own", only])), values | {":own": {"S": own}})
        return {
            "c": Partition(self._table, own, scope_of(scope, "c"), CHAIN_PREFIX, filter=_only(action)),
            "o": Partition(
                self._table, f"ACTOR#{actor_id}", scope_of(scope, "o"), CHAIN_PREFIX, "gsi1", filter=elsewhere
            ),
        }


def _only(action: str | None) -> tuple[str, AttrMap] | None:
    return None if action is None else ("gsi2pk = :action", {":action": {"S": action_key(action)}})
