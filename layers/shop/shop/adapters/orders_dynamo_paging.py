"""A user's orders, newest first, from gsi1, with the catalog's opaque cursors (shop.domain.paging).

The cursor is bound to the user it was made for (its scope) and its key must lie in that user's
partition, so a cursor can never reveal another user's orders.
"""

from __future__ import annotations

from typing import Any

from shop.adapters.orders_dynamo_items import AttrMap, deserialise, serialise
from shop.domain.paging import Page, Position, decode_cursor, encode_cursor, invalid_cursor, scope_of

_KEY_ATTRS = ("pk", "sk", "gsi1pk", "gsi1sk")


def _start_key(partition: str, scope: str, cursor: str | None) -> AttrMap | None:
    if cursor is None:
        return None
    key = decode_cursor(cursor, scope).key
    if set(key) != set(_KEY_ATTRS) or not all(isinstance(v, str) for v in key.values()):
        raise invalid_cursor()
    if key["gsi1pk"] != partition:
        raise invalid_cursor()
    return serialise(key)


def orders_page(client: Any, table: str, user_id: str, limit: int, cursor: str | None) -> Page[AttrMap]:
    partition, scope = f"USER#{user_id}", scope_of("orders", "gsi1", user_id)
    query: dict[str, Any] = {
        "TableName": table,
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :user",
        "ExpressionAttributeValues": serialise({":user": partition}),
        "ScanIndexForward": False,
    }
    start = _start_key(partition, scope, cursor)
    found: list[AttrMap] = []
    while len(found) <= limit:
        query["Limit"] = limit + 1 - len(found)
        if start:
            query["ExclusiveStartKey"] = start
        answer = client.query(**query)
        found += answer.get("Items", [])
        start = answer.get("LastEvaluatedKey")
        if not start:
            break
    if len(found) <= limit:
        return Page(found, None)
    last = deserialise({a: found[limit - 1][a] for a in _KEY_ATTRS})
    return Page(found[:limit], encode_cursor(Position(0, last), scope))
