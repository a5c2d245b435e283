"""BatchGetItem of many items of one table, or of a few of several, the keys left unprocessed
(throttling) asked again."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

AttrMap = dict[str, Any]
BATCH_LIMIT = 100  # keys per BatchGetItem
MAX_ATTEMPTS = 6


def get_items(
    client: Any,
    table: str,
    keys: Sequence[AttrMap],
    consistent: bool = False,
    projection: AttrMap | None = None,
) -> list[AttrMap]:
    """The items found for `keys` (no duplicates), in no particular order; a missing one is left out.
    `projection`: ProjectionExpression (and its names) for every key."""
    found: list[AttrMap] = []
    for start in range(0, len(keys), BATCH_LIMIT):
        chunk = {table: list(keys[start : start + BATCH_LIMIT])}
        found += get_from_tables(client, chunk, consistent, {table: projection or {}}).get(table, [])
    return found


def get_from_tables(
    client: Any,
    keys: Mapping[str, Sequence[AttrMap]],
    consistent: bool = False,
    projections: Mapping[str, AttrMap] | None = None,
) -> dict[str, list[AttrMap]]:
    """One BatchGetItem of at most BATCH_LIMIT keys over several tables (more calls only for keys
    left unprocessed): the items found, by table."""
    request: AttrMap = {
        table: {"Keys": list(table_keys), "ConsistentRead": consistent}
        | dict((projections or {}).get(table) or {})
        for table, table_keys in keys.items()
        if table_keys
    }
    found: dict[str, list[AttrMap]] = {}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        got = client.batch_get_item(RequestItems=request)
        for table, items in got.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        request = got.get("UnprocessedKeys") or {}
        if not request:
            return found
        time.sleep(min(1.0, 0.02 * 2**attempt))
    raise RuntimeError(f"reads of {', '.join(request)} stayed throttled; not answering with part of a page")
