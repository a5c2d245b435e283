"""Newest-first pages of orders from OrdersTable's indexes, with the catalog's opaque cursors.

gsi1 USER#<user> serves a user's own orders, gsi2 STATUS#<status> the admin's status filter, and
gsi4 ORDERS#<YYYY-MM> the admin's list of all orders: one partition per month of creation, so no
partition grows without bound, walked backwards from the current month. Each cursor is bound to
the query it was made for (its scope) and its key must lie in a partition that query reads, so a
cursor can never widen what a caller may see.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from shop.adapters.orders_dynamo_items import AttrMap, deserialise, serialise
from shop.domain.paging import Page, Position, decode_cursor, encode_cursor, invalid_cursor, scope_of

_MONTH = re.compile(r"ORDERS#(\d{4}-(?:0[1-9]|1[0-2]))")


def _key_attrs(index: str) -> tuple[str, ...]:
    return ("pk", "sk", f"{index}pk", f"{index}sk")


def _start_key(cursor: str, scope: str, index: str, partition_ok: Callable[[str], bool]) -> dict[str, Any]:
    key = decode_cursor(cursor, scope).key
    if set(key) != set(_key_attrs(index)) or not all(isinstance(v, str) for v in key.values()):
        raise invalid_cursor()
    if not partition_ok(str(key[f"{index}pk"])) or not str(key["pk"]).startswith("ORDER#"):
        raise invalid_cursor()
    return key


def _query(table: str, index: str, partition: str, wanted: int) -> dict[str, Any]:
    return {
        "TableName": table,
        "IndexName": index,
        "KeyConditionExpression": f"{index}pk = :partition",
        "ExpressionAttributeValues": serialise({":partition": partition}),
        "ScanIndexForward": False,
        "Limit": wanted,
    }


def _page(found: list[AttrMap], limit: int, index: str, scope: str) -> Page[AttrMap]:
    """One item beyond the page was read, so the last page never hands out a cursor to an empty page."""
    if len(found) <= limit:
        return Page(found, None)
    last = deserialise({a: found[limit - 1][a] for a in _key_attrs(index)})
    return Page(found[:limit], encode_cursor(Position(0, last), scope))


def index_page(
    client: Any, table: str, index: str, partition: str, scope: str, limit: int, cursor: str | None
) -> Page[AttrMap]:
    """Up to `limit` order items of one index partition, newest first (sort keys are <created_at>#<id>)."""
    start = None
    if cursor is not None:
        start = serialise(_start_key(cursor, scope, index, lambda p: p == partition))
    found: list[AttrMap] = []
    while len(found) <= limit:
        query = _query(table, index, partition, limit + 1 - len(found))
        if start:
            query["ExclusiveStartKey"] = start
        answer = client.query(**query)
        found += answer.get("Items", [])
        start = answer.get("LastEvaluatedKey")
        if not start:
            break
    return _page(found, limit, index, scope)


def orders_page(client: Any, table: str, user_id: str, limit: int, cursor: str | None) -> Page[AttrMap]:
    scope = scope_of("orders", "gsi1", user_id)
    return index_page(client, table, "gsi1", f"USER#{user_id}", scope, limit, cursor)


def _previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def months_page(
    client: Any, table: str, newest_month: str, oldest_month: str, limit: int, cursor: str | None
) -> Page[AttrMap]:
    """Every order newest first: gsi4's month partitions from `newest_month` back to `oldest_month`
    (YYYY-MM). A month with nothing left moves on to the one before, so pages run across months."""
    scope = scope_of("admin-orders", "gsi4")
    month, start = newest_month, None
    if cursor is not None:

        def in_range(partition: str) -> bool:
            found = _MONTH.fullmatch(partition)
            return found is not None and oldest_month <= found[1] <= newest_month

        key = _start_key(cursor, scope, "gsi4", in_range)
        month, start = str(key["gsi4pk"]).removeprefix("ORDERS#"), serialise(key)
    found: list[AttrMap] = []
    while len(found) <= limit and month >= oldest_month:
        query = _query(table, "gsi4", f"ORDERS#{month}", limit + 1 - len(found))
        if start:
            query["ExclusiveStartKey"] = start
        answer = client.query(**query)
        found += answer.get("Items", [])
        start = answer.get("LastEvaluatedKey")
        if not start:
            month = _previous_month(month)
    return _page(found, limit, "gsi4", scope)
