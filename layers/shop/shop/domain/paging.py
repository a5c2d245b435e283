"""Opaque list cursors: a page's resume position, encoded so clients cannot read or steer it.

A cursor is base64url(JSON) of the store's resume key plus the scope of the query that made it.
Decoding checks everything (encoding, JSON shape, value types, sizes, scope), so a forged, stale
or garbage cursor is a 400 VALIDATION_ERROR, never a crash. Adapters additionally check that the
key belongs to the partition being queried, so a cursor can never widen what a caller may see.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from shop.errors import ValidationFailed

T = TypeVar("T")
KeyValue = str | int
MAX_CURSOR_CHARS = 2048
_MAX_VALUE_CHARS = 1100
_VERSION = 1


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


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
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
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
