"""A page of a list: its items and the opaque cursor of the next page (None on the last page).

Cursors are made and checked by the store that reads the list (shop.adapters.dynamo_paging); the
API only bounds their length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_CURSOR_CHARS = 2048


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None
