"""Order records (lines, addresses, event data) <-> their plain form, the one they are stored and sent in.

The plain form is what an order item, an event's `data`, an API answer and a bus message hold: a
JSON-like mapping, keys in the order of the record's fields, so a record read and written back is
the same mapping. A field whose metadata says `OMIT_EMPTY` is left out while it is None or empty
(what the writers have always done for it: a line's `shards`, a cancellation's optional fields); a
record whose class says `SORTED_PLAIN_KEYS` lists its keys sorted. Reading checks each value
against the field's type and refuses what does not fit (MalformedOrderData, a ValueError, which a
queue consumer treats as a poison message) rather than guess.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import MISSING, fields, is_dataclass
from functools import cache
from typing import Literal, TypeVar, Union, get_args, get_origin, get_type_hints

OMIT_EMPTY = {"omit_empty": True}
"""Field metadata: leave the key out of the plain form while the value is None or empty."""

Plain = dict[str, object]
R = TypeVar("R")


class MalformedOrderData(ValueError):
    """Stored or published order data that lacks a field or holds one of the wrong type."""


def to_plain(record: object) -> Plain:
    """The plain mapping of a record (a dataclass of this package's order records)."""
    if not is_dataclass(record) or isinstance(record, type):
        raise TypeError(f"{type(record).__name__} is not an order record")
    values: Plain = {}
    for f in fields(record):
        value: object = getattr(record, f.name)
        if f.metadata.get("omit_empty") and (value is None or value == ()):
            continue
        values[f.name] = _plain_value(value)
    return dict(sorted(values.items())) if getattr(record, "SORTED_PLAIN_KEYS", False) else values


def _plain_value(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return to_plain(value)
    if isinstance(value, tuple):
        return [_plain_value(inner) for inner in value]
    return value


def from_plain(kind: type[R], values: object, what: str) -> R:
    """The record of `kind` that `values` holds; MalformedOrderData if it does not hold one."""
    if not isinstance(values, Mapping):
        raise MalformedOrderData(f"{what} is not an object")
    record_type: type = kind
    if not is_dataclass(record_type):
        raise TypeError(f"{record_type.__name__} is not an order record")
    read: dict[str, object] = {}
    for f in fields(record_type):
        if f.name in values:
            read[f.name] = _read(_hints(record_type)[f.name], values[f.name], f"{what}: {f.name}")
        elif f.default is MISSING and f.default_factory is MISSING:
            raise MalformedOrderData(f"{what} lacks {f.name}")
    return kind(**read)


@cache
def _hints(kind: type) -> dict[str, object]:
    return get_type_hints(kind)


def _read(hint: object, value: object, where: str) -> object:
    """`value` checked against the type `hint` (tuples rebuilt from lists, records from mappings)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _read(inner, value, where)
    if origin is Literal:
        if value not in args:
            raise MalformedOrderData(f"{where} is not one of {', '.join(map(str, args))}")
        return value
    if origin is tuple:
        return _read_tuple(args, value, where)
    if isinstance(hint, type) and is_dataclass(hint):
        return from_plain(hint, value, where)
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise MalformedOrderData(f"{where} is not a whole number")
    if isinstance(hint, type) and not isinstance(value, hint):
        raise MalformedOrderData(f"{where} is not {hint.__name__}")
    return value


def _read_tuple(args: tuple[object, ...], value: object, where: str) -> tuple[object, ...]:
    if not isinstance(value, list | tuple):
        raise MalformedOrderData(f"{where} is not a list")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_read(args[0], inner, f"{where}[{n}]") for n, inner in enumerate(value))
    if len(value) != len(args):
        raise MalformedOrderData(f"{where} does not hold {len(args)} values")
    return tuple(_read(arg, inner, where) for arg, inner in zip(args, value, strict=True))
