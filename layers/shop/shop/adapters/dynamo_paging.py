"""Every list's paging: full pages of Queries (never a Scan) with opaque cursors, and whole reads.

A listing reads one or more partitions of a table's or an index's key, one after the other (an
admin sees DRAFT, ACTIVE and ARCHIVED products), oldest or newest first. With a filter, DynamoDB
applies Limit before filtering, so we keep querying until the page is full or the partitions end: a
page is short only at the very end. One item beyond the page is read, so the last page never hands
out a cursor to an empty page.

A cursor is base64url(JSON) of the last key returned, the partition it is in, and the scope of the
query that made it. Decoding checks everything (encoding, JSON shape, value types, sizes, scope,
that the key is one of the partition the cursor claims), so a forged, stale or garbage cursor is a
400 VALIDATION_ERROR before any read, never a crash, and never widens what a caller may see.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shop.adapters.dynamo_codec import AttrMap, from_item, to_item, to_value
from shop.domain.paging import MAX_CURSOR_CHARS, Page
from shop.errors import ValidationFailed

KeyValue = str | int
_MAX_VALUE_CHARS = 1100
_VERSION = 1
_FILTERED_BATCH = 200


@dataclass(frozen=True)
class Position:
    """Where a paged query resumes: which of its partitions, and the last key returned there."""

    part: int
    key: dict[str, KeyValue]


def scope_of(*parts: object) -> str:
    """A short fingerprint of a query (index, filters, viewer) so a cursor only resumes that query."""
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:16]


def invalid_cursor(reason: str = "is not a valid cursor") -> ValidationFailed:
    return ValidationFailed("The cursor is not valid.", [{"field": "query.cursor", "message": reason}])


def encode_cursor(position: Position, scope: str) -> str:
    payload = {"v": _VERSION, "s": scope, "p": position.part, "k": position.key}
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str) -> Position:
    if not cursor or len(cursor) > MAX_CURSOR_CHARS:
        raise invalid_cursor()
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise invalid_cursor() from exc
    if not isinstance(payload, dict) or set(payload) != {"v", "s", "p", "k"}:
        raise invalid_cursor()
    if payload["v"] != _VERSION or payload["s"] != scope:
        raise invalid_cursor("belongs to another query")
    part, key = payload["p"], payload["k"]
    if type(part) is not int or not 0 <= part < 16 or not isinstance(key, dict) or not key:
        raise invalid_cursor()
    for name, value in key.items():
        if type(value) is int:
            continue
        if not isinstance(value, str) or not value or len(value) > _MAX_VALUE_CHARS or len(name) > 64:
            raise invalid_cursor()
    return Position(part=part, key=dict(key))


@dataclass(frozen=True)
class PagedQuery:
    """Partitions to page through. `index` None means the table's own key (pk / sk); an index's key
    is `<index>pk` / `<index>sk` unless `partition_attr` / `sort_attr` name it."""

    table: str
    partitions: Sequence[str]
    scope: str
    index: str | None = None
    partition_attr: str | None = None
    sort_attr: str | None = None
    newest_first: bool = False
    item_pk_prefix: str = ""  # a cursor's pk must start with it (the items this listing may show)
    sort_is_number: bool = False
    range_condition: tuple[str, AttrMap] | None = None  # on the sort key: expression, its :values
    filter: tuple[str, AttrMap] | None = None

    @property
    def hash_attr(self) -> str:
        return self.partition_attr or (f"{self.index}pk" if self.index else "pk")

    @property
    def range_attr(self) -> str:
        return self.sort_attr or (f"{self.index}sk" if self.index else "sk")

    @property
    def key_attrs(self) -> tuple[str, ...]:
        return ("pk", "sk", self.hash_attr, self.range_attr) if self.index else ("pk", "sk")


def _start(spec: PagedQuery, cursor: str | None) -> Position | None:
    """Decode a cursor and check it names a key of this query in the partition it claims."""
    if cursor is None:
        return None
    position = decode_cursor(cursor, spec.scope)
    key = position.key
    if position.part >= len(spec.partitions) or set(key) != set(spec.key_attrs):
        raise invalid_cursor()
    sort_type = int if spec.sort_is_number else str
    if type(key[spec.range_attr]) is not sort_type or not all(
        isinstance(key[name], str) for name in spec.key_attrs if name != spec.range_attr
    ):
        raise invalid_cursor()
    if key[spec.hash_attr] != spec.partitions[position.part] or not str(key["pk"]).startswith(
        spec.item_pk_prefix
    ):
        raise invalid_cursor()
    return position


def _query(spec: PagedQuery, partition: str, wanted: int) -> dict[str, Any]:
    condition = f"{spec.hash_attr} = :partition"
    attrs: AttrMap = {":partition": to_value(partition)}
    if spec.range_condition:
        condition += f" AND {spec.range_condition[0]}"
        attrs |= spec.range_condition[1]
    query: dict[str, Any] = {"TableName": spec.table, "KeyConditionExpression": condition, "Limit": wanted}
    if spec.index:
        query["IndexName"] = spec.index
    if spec.newest_first:
        query["ScanIndexForward"] = False
    if spec.filter:
        query["FilterExpression"] = spec.filter[0]
        attrs |= spec.filter[1]
        query["Limit"] = max(wanted, _FILTERED_BATCH)
    query["ExpressionAttributeValues"] = attrs
    return query


def query_page(client: Any, spec: PagedQuery, limit: int, cursor: str | None) -> Page[AttrMap]:
    """Up to `limit` raw items and the cursor of the next page (None at the end)."""
    start = _start(spec, cursor)
    part = start.part if start else 0
    exclusive: AttrMap | None = to_item(start.key) if start else None
    found: list[tuple[int, AttrMap]] = []
    while part < len(spec.partitions) and len(found) <= limit:
        query = _query(spec, spec.partitions[part], limit + 1 - len(found))
        if exclusive:
            query["ExclusiveStartKey"] = exclusive
        answer = client.query(**query)
        found += [(part, item) for item in answer.get("Items", [])]
        exclusive = answer.get("LastEvaluatedKey")
        if not exclusive:
            part += 1
    if len(found) <= limit:
        return Page([item for _, item in found], None)
    last_part, last_item = found[limit - 1]
    return Page([item for _, item in found[:limit]], cursor_after(spec, last_item, last_part))


def cursor_after(spec: PagedQuery, item: AttrMap, part: int = 0) -> str:
    """The cursor of the page that starts after `item`, read from `spec.partitions[part]`: for a
    listing that stops part-way through a page it read (one row from several items)."""
    return encode_cursor(Position(part, from_item({name: item[name] for name in spec.key_attrs})), spec.scope)


def every_item(read: Callable[..., Mapping[str, Any]], request: Mapping[str, Any]) -> Iterator[AttrMap]:
    """Every item a Query or a Scan (`read`: the client's method) answers, page after page."""
    request = dict(request)
    while True:
        answer = read(**request)
        yield from answer.get("Items", [])
        if "LastEvaluatedKey" not in answer:
            return
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


_DONE, _FROM_TOP = 0, 1


def merged_page(
    client: Any, queries: Mapping[str, PagedQuery], scope: str, order_by: str, limit: int, cursor: str | None
) -> Page[AttrMap]:
    """One newest-first page over several queries of one partition each (their items interleaved by
    the string attribute `order_by`, largest first). A page takes the newest head of the queries
    until it is full, so what it takes of each is a prefix of that query's own order; the cursor holds
    one resume position per query: its own cursor, from the top (nothing taken yet) or done."""
    resume: dict[str, KeyValue] = dict.fromkeys(queries, _FROM_TOP)
    if cursor is not None:
        resume = decode_cursor(cursor, scope).key
        if set(resume) != set(queries) or any(
            value not in (_DONE, _FROM_TOP) and type(value) is not str for value in resume.values()
        ):
            raise invalid_cursor()
    pages = {
        name: query_page(client, spec, limit, None if resume[name] == _FROM_TOP else str(resume[name]))
        for name, spec in queries.items()
        if resume[name] != _DONE
    }
    taken = dict.fromkeys(pages, 0)
    chosen: list[AttrMap] = []
    while len(chosen) < limit:
        live = [name for name, page in pages.items() if taken[name] < len(page.items)]
        if not live:
            break
        name = max(live, key=lambda n: pages[n].items[taken[n]][order_by]["S"])
        chosen.append(pages[name].items[taken[name]])
        taken[name] += 1
    after = {
        name: _resume_after(queries[name], pages.get(name), taken.get(name, 0), resume[name])
        for name in queries
    }
    more = any(value != _DONE for value in after.values())
    return Page(chosen, encode_cursor(Position(0, after), scope) if more else None)


def _resume_after(spec: PagedQuery, page: Page[AttrMap] | None, taken: int, before: KeyValue) -> KeyValue:
    if page is None:
        return _DONE
    if taken == len(page.items):
        return page.next_cursor or _DONE
    if taken == 0:
        return before
    return cursor_after(spec, page.items[taken - 1])
