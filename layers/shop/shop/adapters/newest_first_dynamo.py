"""Newest-first pages of one DynamoDB partition (a table's or an index's), with opaque cursors.

Admin listings read one partition backwards (users by creation time, audit entries by sequence or
time). With a filter, DynamoDB applies Limit before filtering, so we keep querying until the page is
full or the partition ends: a page is short only at the very end. One item beyond the page is read,
so the last page never hands out a cursor to an empty page. A cursor must name a key of the very
partition and query it was made for (shop.domain.paging binds it to the query's scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from shop.domain.paging import Page, Position, decode_cursor, encode_cursor, invalid_cursor

AttrMap = dict[str, Any]
_FILTERED_BATCH = 200
_ser, _de = TypeSerializer(), TypeDeserializer()


@dataclass(frozen=True)
class Partition:
    """One partition to page through; `index` None means the table's own key (pk / sk)."""

    table: str
    partition: str
    scope: str
    item_pk_prefix: str
    index: str | None = None
    range_prefix: str = ""
    filter: tuple[str, AttrMap] | None = None  # expression, its :values (attribute-value form)
    sort_attr: str | None = None  # the index's sort key if not `<index>sk`

    @property
    def hash_attr(self) -> str:
        return f"{self.index}pk" if self.index else "pk"

    @property
    def range_attr(self) -> str:
        if self.sort_attr:
            return self.sort_attr
        return f"{self.index}sk" if self.index else "sk"

    @property
    def key_attrs(self) -> tuple[str, ...]:
        return ("pk", "sk", self.hash_attr, self.range_attr) if self.index else ("pk", "sk")


def _start_key(spec: Partition, cursor: str | None) -> AttrMap | None:
    if cursor is None:
        return None
    key = decode_cursor(cursor, spec.scope).key
    if set(key) != set(spec.key_attrs) or not all(isinstance(value, str) for value in key.values()):
        raise invalid_cursor()
    if key[spec.hash_attr] != spec.partition or not str(key["pk"]).startswith(spec.item_pk_prefix):
        raise invalid_cursor()
    if not str(key[spec.range_attr]).startswith(spec.range_prefix):
        raise invalid_cursor()
    return {name: _ser.serialize(value) for name, value in key.items()}


def _query(spec: Partition, wanted: int) -> AttrMap:
    condition = f"{spec.hash_attr} = :partition"
    values: AttrMap = {":partition": {"S": spec.partition}}
    if spec.range_prefix:
        condition += f" AND begins_with({spec.range_attr}, :prefix)"
        values[":prefix"] = {"S": spec.range_prefix}
    query: AttrMap = {
        "TableName": spec.table,
        "KeyConditionExpression": condition,
        "ScanIndexForward": False,
        "Limit": wanted,
    }
    if spec.index:
        query["IndexName"] = spec.index
    if spec.filter:
        query["FilterExpression"] = spec.filter[0]
        values |= spec.filter[1]
        query["Limit"] = max(wanted, _FILTERED_BATCH)
    query["ExpressionAttributeValues"] = values
    return query


def newest_first(client: Any, spec: Partition, limit: int, cursor: str | None) -> Page[AttrMap]:
    """Up to `limit` raw items, newest first, and the cursor of the next page (None at the end)."""
    start = _start_key(spec, cursor)
    found: list[AttrMap] = []
    while len(found) <= limit:
        query = _query(spec, limit + 1 - len(found))
        if start:
            query["ExclusiveStartKey"] = start
        answer = client.query(**query)
        found += answer.get("Items", [])
        start = answer.get("LastEvaluatedKey")
        if not start:
            break
    if len(found) <= limit:
        return Page(found, None)
    last = {name: _de.deserialize(found[limit - 1][name]) for name in spec.key_attrs}
    return Page(found[:limit], encode_cursor(Position(0, last), spec.scope))
