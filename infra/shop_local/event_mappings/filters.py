"""Lambda event filtering (an event source's FilterCriteria) for the local pollers.

Lambda drops records that match none of the source's patterns before invoking the function, and
counts them as processed. The subset of the pattern language implemented here is what the
template uses and what is common: exact values, prefix, exists, anything-but and numeric ranges;
an unknown operator raises instead of silently matching.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

Pattern = dict[str, Any]
_MISSING = object()
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def filter_patterns(event_properties: dict[str, Any]) -> list[Pattern]:
    """The patterns of an event's `FilterCriteria: {Filters: [{Pattern: '<json>'}]}` (empty: keep all)."""
    filters = (event_properties.get("FilterCriteria") or {}).get("Filters") or []
    return [json.loads(f["Pattern"]) if isinstance(f["Pattern"], str) else f["Pattern"] for f in filters]


def keeps(patterns: list[Pattern], record: dict[str, Any]) -> bool:
    """True if Lambda would hand `record` to the function: no patterns, or any one matches."""
    return not patterns or any(_matches(pattern, record) for pattern in patterns)


def _matches(pattern: Pattern, value: Any) -> bool:
    for key, expected in pattern.items():
        actual = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        if isinstance(expected, dict):
            if actual is _MISSING or not _matches(expected, actual):
                return False
        elif not any(_rule(rule, actual) for rule in expected):
            return False
    return True


def _rule(rule: Any, actual: Any) -> bool:
    if not isinstance(rule, dict):
        return actual is not _MISSING and (actual == rule or (isinstance(actual, list) and rule in actual))
    ((name, argument),) = rule.items()
    if name == "exists":
        return (actual is not _MISSING) == bool(argument)
    if actual is _MISSING:
        return False
    if name == "prefix":
        return isinstance(actual, str) and actual.startswith(str(argument))
    if name == "anything-but":
        excluded = argument if isinstance(argument, list) else [argument]
        return actual not in excluded
    if name == "numeric":
        number = float(actual)
        pairs = zip(argument[::2], argument[1::2], strict=True)
        return all(_COMPARE[op](number, float(bound)) for op, bound in pairs)
    raise ValueError(f"filter operator {name!r} is not supported locally")
