"""BatchGetItem of many items of one table, the keys left unprocessed (throttling) asked again."""

from __future__ import annotations

import time
from collections.abc import Sequence
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
        request: AttrMap = {
            table: {"Keys": list(keys[start : start + BATCH_LIMIT]), "ConsistentRead": consistent}
            | (projection or {})
        }
        for attempt in range(1, MAX_ATTEMPTS + 1):
            got = client.batch_get_item(RequestItems=request)
            found += got.get("Responses", {}).get(table, [])
            request = got.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(min(1.0, 0.02 * 2**attempt))
        else:
            raise RuntimeError(f"reads of {table} stayed throttled; not answering with part of a page")
    return found
