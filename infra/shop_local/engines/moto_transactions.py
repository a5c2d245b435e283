"""moto's TransactWriteItems, made cheap and clean on a rollback, as DynamoDB's is.

moto (5.2) makes a transaction undoable by deep-copying every table it touches, once per element,
before writing: with the audit entry in every audited transaction, each one copied the whole audit
table, so the emulator slowed down as the trail grew, until calls outlived the functions' retry
deadline. Its rollback then swaps each table for its copy, which takes a copy of the stream shard
while the local poller's shard iterators still point at the old one: the old shard keeps the
records of the cancelled writes (phantom events, published although never committed) and never
sees another record.

This version follows DynamoDB's order instead: every condition is checked against the items as
they are before the transaction (an item appears at most once in a transaction, so no element's
write can change another element's condition), and nothing is written unless all of them hold.
Only then are the writes applied, each after keeping a copy of the one item it replaces; if a
write still fails (an update expression the item cannot take), those items are put back and the
touched streams are trimmed to their length before the transaction. Errors are moto's own: the
same cancellation reasons, the same exceptions raised as they are. Install it once per process
before serving.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item

_MARK = "_shop_transactions_without_table_copies"
_OPERATIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})
Reason = tuple[str, str, Any] | tuple[None, None, None]


@dataclass(frozen=True)
class _Element:
    operation: str
    table: str
    key: dict[str, Any]
    spec: dict[str, Any]
    before: Item | None  # the item as it was before the transaction


def install() -> None:
    """Idempotent; patches the class, so every backend of this process (the emulator's) is covered."""
    if getattr(DynamoDBBackend.transact_write_items, _MARK, False):
        return
    setattr(transact_write_items, _MARK, True)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign, assignment]


def transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    checked = [_check(backend, element, seen) for element in transact_items]
    if any(reason[0] is not None for _, reason in checked):
        raise TransactionCanceledException([reason for _, reason in checked])
    _apply(backend, [element for element, _ in checked if element is not None])


def _check(
    backend: DynamoDBBackend, element: dict[str, Any], seen: set[tuple[str, str]]
) -> tuple[_Element | None, Reason]:
    """The element and why it cancels the transaction (None, None, None when it does not)."""
    if len(element) > 1:
        raise TransactWriteSingleOpException
    before: Item | None = None
    try:
        operation, spec = next(iter(element.items()))
        if operation not in _OPERATIONS:
            raise ValueError("Unsupported transaction operation")
        table_name = spec["TableName"]
        key = _key(backend, table_name, spec) if operation == "Put" else spec["Key"]
        unique = (str(table_name), str(dict(sorted(key.items()))))
        if unique in seen:
            raise MultipleTransactionsException()
        seen.add(unique)
        before = backend.get_item(table_name, key)
        condition = spec.get("ConditionExpression")
        if condition is not None and not get_filter_expression(
            condition, spec.get("ExpressionAttributeNames"), spec.get("ExpressionAttributeValues")
        ).expr(before):
            wants_old = spec.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
            old = before.to_json()["Attributes"] if before and wants_old else None
            return None, ("ConditionalCheckFailed", str(ConditionalCheckFailed().message), old)
    except (MultipleTransactionsException, MockValidationException):
        raise
    except Exception as error:  # noqa: BLE001 - moto reports any other failure as the element's reason
        return None, (type(error).__name__, str(error), None)
    return _Element(operation, table_name, key, spec, copy.deepcopy(before)), (None, None, None)


def _key(backend: DynamoDBBackend, table_name: str, spec: dict[str, Any]) -> dict[str, Any]:
    table = backend.get_table(table_name)
    names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
    return {name: spec["Item"][name] for name in names}


def _apply(backend: DynamoDBBackend, elements: list[_Element]) -> None:
    """Write every element whose conditions held; all of them, or on a failure none."""
    streams = {
        element.table: (shard, len(shard.items))
        for element in elements
        if (shard := backend.get_table(element.table).stream_shard) is not None
    }
    written: list[_Element] = []
    try:
        for element in elements:
            _write(backend, element)
            written.append(element)
    except Exception as error:
        for element in reversed(written):
            _restore(backend, element)
        for shard, length in streams.values():
            del shard.items[length:]
        if isinstance(error, MockValidationException):
            raise
        reasons: list[Reason] = [(None, None, None)] * len(elements)
        reasons[len(written)] = (type(error).__name__, str(error), None)
        raise TransactionCanceledException(reasons) from error


def _write(backend: DynamoDBBackend, element: _Element) -> None:
    spec = element.spec
    names, values = spec.get("ExpressionAttributeNames") or {}, spec.get("ExpressionAttributeValues") or {}
    if element.operation == "Put":
        backend.put_item(element.table, spec["Item"])
    elif element.operation == "Delete":
        backend.delete_item(element.table, element.key)
    elif element.operation == "Update":
        backend.update_item(element.table, element.key, spec["UpdateExpression"], names, values)


def _restore(backend: DynamoDBBackend, element: _Element) -> None:
    if element.operation == "ConditionCheck":
        return
    if element.before is None:
        backend.delete_item(element.table, element.key)
    else:
        backend.put_item(element.table, element.before.to_json()["Attributes"])
