"""Newest-first pages merged from several partitions, each read with newest_first_dynamo.

An actor's audit entries live in two places (their own chain, and gsi1 for the others); a page
takes the newest head of the partitions until it is full, so what it takes of each partition is a
prefix of that partition's own order, and the cursor holds one resume position per partition: the
partition's own cursor, `FROM_TOP` (nothing taken yet) or `DONE`. Items are compared by `gsi3sk`
(`<at>#<id>`, on every entry).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from shop.adapters.newest_first_dynamo import AttrMap, Partition, newest_first
from shop.domain.paging import KeyValue, Page, Position, decode_cursor, encode_cursor, invalid_cursor

DONE, FROM_TOP = 0, 1
ORDER_BY = "gsi3sk"
_de = TypeDeserializer()


def merged_newest_first(
    client: Any, streams: dict[str, Partition], scope: str, limit: int, cursor: str | None
) -> Page[AttrMap]:
    resume: dict[str, KeyValue] = dict.fromkeys(streams, FROM_TOP)
    if cursor is not None:
        resume = decode_cursor(cursor, scope).key
        if set(resume) != set(streams) or any(
            v not in (DONE, FROM_TOP) and type(v) is not str for v in resume.values()
        ):
            raise invalid_cursor()
    pages = {
        name: newest_first(client, spec, limit, None if resume[name] == FROM_TOP else str(resume[name]))
        for name, spec in streams.items()
        if resume[name] != DONE
    }
    taken = dict.fromkeys(pages, 0)
    chosen: list[AttrMap] = []
    while len(chosen) < limit:
        live = [name for name, page in pages.items() if taken[name] < len(page.items)]
        if not live:
            break
        name = max(live, key=lambda n: pages[n].items[taken[n]][ORDER_BY]["S"])
        chosen.append(pages[name].items[taken[name]])
        taken[name] += 1
    after = {
        name: _resume_after(streams[name], pages.get(name), taken.get(name, 0), resume[name])
        for name in streams
    }
    more = any(value != DONE for value in after.values())
    return Page(chosen, encode_cursor(Position(0, after), scope) if more else None)


def _resume_after(spec: Partition, page: Page[AttrMap] | None, taken: int, before: KeyValue) -> KeyValue:
    if page is None:
        return DONE
    if taken == len(page.items):
        return page.next_cursor or DONE
    if taken == 0:
        return before
    last = page.items[taken - 1]
    return encode_cursor(
        Position(0, {name: _de.deserialize(last[name]) for name in spec.key_attrs}), spec.scope
    )
