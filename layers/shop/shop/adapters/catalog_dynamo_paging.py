"""Full pages from index Queries (never Scan), across one or more partitions, with opaque cursors.

A listing may span several partitions (an admin sees DRAFT, ACTIVE and ARCHIVED products), read one
after the other. With a filter, DynamoDB applies Limit before filtering, so we keep querying until
the page is full or the partitions are exhausted: a page is short only at the very end. One item
beyond the page is read, so the last page never hands out a cursor to an empty page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shop.adapters.catalog_dynamo import AttrMap, from_attrs, to_attrs, values
from shop.domain.paging import KeyValue, Page, Position, decode_cursor, encode_cursor, invalid_cursor

_FILTERED_BATCH = 200


@dataclass(frozen=True)
class QuerySpec:
    table: str
    index: str
    hash_attr: str
    range_attr: str
    partitions: Sequence[str]
    scope: str
    range_condition: tuple[str, AttrMap] | None = None
    filter: tuple[str, AttrMap] | None = None
    range_is_number: bool = False

    @property
    def key_attrs(self) -> tuple[str, ...]:
        return ("pk", "sk", self.hash_attr, self.range_attr)


def _start(spec: QuerySpec, cursor: str | None) -> Position | None:
    """Decode a cursor and check it names a key of this index in the partition it claims."""
    if cursor is None:
        return None
    position = decode_cursor(cursor, spec.scope)
    key = position.key
    if position.part >= len(spec.partitions) or set(key) != set(spec.key_attrs):
        raise invalid_cursor()
    if key[spec.hash_attr] != spec.partitions[position.part]:
        raise invalid_cursor()
    range_type = int if spec.range_is_number else str
    if type(key[spec.range_attr]) is not range_type or not all(
        isinstance(key[a], str) for a in ("pk", "sk", spec.hash_attr)
    ):
        raise invalid_cursor()
    return position


def _key_of(spec: QuerySpec, item: AttrMap) -> dict[str, KeyValue]:
    plain = from_attrs({a: item[a] for a in spec.key_attrs})
    return {a: plain[a] for a in spec.key_attrs}


def query_page(client: Any, spec: QuerySpec, limit: int, cursor: str | None) -> Page[AttrMap]:
    start = _start(spec, cursor)
    part = start.part if start else 0
    exclusive: AttrMap | None = to_attrs(start.key) if start else None
    found: list[tuple[int, AttrMap]] = []
    while part < len(spec.partitions) and len(found) <= limit:
        params = _params(spec, spec.partitions[part], limit + 1 - len(found))
        if exclusive:
            params["ExclusiveStartKey"] = exclusive
        result = client.query(**params)
        found += [(part, item) for item in result.get("Items", [])]
        exclusive = result.get("LastEvaluatedKey")
        if not exclusive:
            part += 1
    if len(found) <= limit:
        return Page([item for _, item in found], None)
    last_part, last_item = found[limit - 1]
    next_cursor = encode_cursor(Position(last_part, _key_of(spec, last_item)), spec.scope)
    return Page([item for _, item in found[:limit]], next_cursor)


def _params(spec: QuerySpec, partition: str, wanted: int) -> dict[str, Any]:
    condition = f"{spec.hash_attr} = :partition"
    attrs = values(partition=partition)
    if spec.range_condition:
        condition += f" AND {spec.range_condition[0]}"
        attrs |= spec.range_condition[1]
    params: dict[str, Any] = {
        "TableName": spec.table,
        "IndexName": spec.index,
        "KeyConditionExpression": condition,
        "Limit": wanted,
    }
    if spec.filter:
        params["FilterExpression"] = spec.filter[0]
        attrs |= spec.filter[1]
        params["Limit"] = max(wanted, _FILTERED_BATCH)
    params["ExpressionAttributeValues"] = attrs
    return params
