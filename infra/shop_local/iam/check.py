"""IAM's evaluation of identity policies, for the local cloud's check of every function's AWS calls.

A request (one action on one resource, with its condition context) is allowed when some Allow
statement applies to it and no Deny statement does: an explicit Deny wins. A statement applies when
its Action (or NotAction) matches, case-insensitively with `*` and `?`, its Resource (or
NotResource) matches the ARN segment by segment with wildcards, and every condition holds.
Condition operators: the String, Arn and Bool families, Null, `...IfExists` and the `ForAnyValue:`
and `ForAllValues:` qualifiers; any other operator is refused when the policy is read, so that a
policy is never silently misread. Condition key names are case-insensitive, as in IAM.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

ConditionEntry = tuple[str, str, tuple[str, ...]]  # (operator, key, values)


class PolicyError(ValueError):
    """A policy that this model cannot read faithfully; the message says which part."""


@dataclass(frozen=True)
class Statement:
    """One IAM statement with its intrinsics resolved; `shown` names each resource as the template does."""

    label: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    shown: tuple[str, ...] = ()
    conditions: tuple[ConditionEntry, ...] = ()
    not_action: bool = False
    not_resource: bool = False
    implicit: bool = False  # added to the role by SAM (managed policies), not written in Policies

    def __post_init__(self) -> None:
        if self.effect not in {"Allow", "Deny"}:
            raise PolicyError(f"{self.label}: Effect must be Allow or Deny, got {self.effect!r}")
        for operator, _, _ in self.conditions:
            _operator(operator)  # refuses what it cannot evaluate

    def shown_resource(self, index: int) -> str:
        return self.shown[index] if index < len(self.shown) else self.resources[index]

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "effect": self.effect,
            "actions": list(self.actions),
            "resources": list(self.resources),
            "shown": list(self.shown),
            "conditions": [[op, key, list(values)] for op, key, values in self.conditions],
            "not_action": self.not_action,
            "not_resource": self.not_resource,
            "implicit": self.implicit,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Statement:
        return cls(
            label=str(data["label"]),
            effect=str(data["effect"]),
            actions=tuple(data["actions"]),
            resources=tuple(data["resources"]),
            shown=tuple(data.get("shown") or ()),
            conditions=tuple((str(op), str(key), tuple(values)) for op, key, values in data["conditions"]),
            not_action=bool(data.get("not_action")),
            not_resource=bool(data.get("not_resource")),
            implicit=bool(data.get("implicit")),
        )


def conditions_of(block: Any, label: str) -> tuple[ConditionEntry, ...]:
    """A statement's Condition block ({operator: {key: value or [values]}}) as entries."""
    if block is None:
        return ()
    if not isinstance(block, Mapping):
        raise PolicyError(f"{label}: Condition must be a mapping of operators")
    entries: list[ConditionEntry] = []
    for operator, tests in block.items():
        if not isinstance(tests, Mapping):
            raise PolicyError(f"{label}: Condition {operator} must map keys to values")
        for key, value in tests.items():
            values = value if isinstance(value, list) else [value]
            entries.append((str(operator), str(key), tuple(_text(v) for v in values)))
    return tuple(entries)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Request:
    """One IAM authorization: an action on a resource, with the request's condition keys.

    `note` says how the resource was worked out when the call did not name it (a KMS Decrypt).
    """

    action: str
    resource: str
    context: tuple[tuple[str, tuple[str, ...]], ...] = ()
    note: str = ""

    def value_of(self, key: str) -> tuple[str, ...] | None:
        wanted = key.lower()
        for name, values in self.context:
            if name.lower() == wanted:
                return values
        return None


class Verdict(Enum):
    ALLOW = "allow"
    IMPLICIT_DENY = "implicit deny"  # no statement allows it
    EXPLICIT_DENY = "explicit deny"


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    statements: tuple[Statement, ...] = field(default=())  # the allowing ones, or the denying one

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOW


def evaluate(statements: Iterable[Statement], request: Request) -> Decision:
    allowing: list[Statement] = []
    for statement in statements:
        if not applies(statement, request):
            continue
        if statement.effect == "Deny":
            return Decision(Verdict.EXPLICIT_DENY, (statement,))
        allowing.append(statement)
    return Decision(Verdict.ALLOW, tuple(allowing)) if allowing else Decision(Verdict.IMPLICIT_DENY)


def applies(statement: Statement, request: Request) -> bool:
    named = any(action_matches(pattern, request.action) for pattern in statement.actions)
    covered = any(resource_matches(pattern, request.resource) for pattern in statement.resources)
    return (
        named != statement.not_action
        and covered != statement.not_resource
        and all(_holds(entry, request) for entry in statement.conditions)
    )


@cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """IAM actions are case-insensitive, service prefix and name alike."""
    return _glob(pattern, True).fullmatch(action) is not None


def resource_matches(pattern: str, arn: str) -> bool:
    """`*` alone matches anything; otherwise the six ARN segments match one by one (a wildcard does
    not reach across the colons before the resource part, which may itself hold colons and `/`)."""
    if pattern == "*":
        return True
    wanted, given = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != len(given):
        return False
    return all(_glob(w, False).fullmatch(g) is not None for w, g in zip(wanted, given, strict=True))


# ---------------------------------------------------------------- conditions
def _string_equals(wanted: str, given: str) -> bool:
    return wanted == given


def _string_equals_ignore_case(wanted: str, given: str) -> bool:
    return wanted.lower() == given.lower()


def _string_like(wanted: str, given: str) -> bool:
    return _glob(wanted, False).fullmatch(given) is not None


def _bool(wanted: str, given: str) -> bool:
    return wanted.lower() == given.lower()


_BASE_OPERATORS = {
    "stringequals": (_string_equals, False),
    "stringnotequals": (_string_equals, True),
    "stringequalsignorecase": (_string_equals_ignore_case, False),
    "stringnotequalsignorecase": (_string_equals_ignore_case, True),
    "stringlike": (_string_like, False),
    "stringnotlike": (_string_like, True),
    "arnequals": (resource_matches, False),
    "arnlike": (resource_matches, False),
    "arnnotequals": (resource_matches, True),
    "arnnotlike": (resource_matches, True),
    "bool": (_bool, False),
}


@dataclass(frozen=True)
class _Operator:
    name: str  # the base operator, lower case, or "null"
    qualifier: str  # "", "foranyvalue" or "forallvalues"
    if_exists: bool


@cache
def _operator(text: str) -> _Operator:
    qualifier, _, name = text.rpartition(":")
    qualifier = qualifier.lower()
    if qualifier not in {"", "foranyvalue", "forallvalues"}:
        raise PolicyError(f"condition operator {text!r}: unknown qualifier {qualifier!r}")
    base = name.lower()
    if_exists = base.endswith("ifexists") and base != "ifexists"
    base = base.removesuffix("ifexists") if if_exists else base
    if base != "null" and base not in _BASE_OPERATORS:
        raise PolicyError(f"condition operator {text!r} is not supported by the local IAM check")
    return _Operator(base, qualifier, if_exists)


def _holds(entry: ConditionEntry, request: Request) -> bool:
    operator_text, key, wanted = entry
    operator = _operator(operator_text)
    given = request.value_of(key)
    if operator.name == "null":
        absent = given is None or not given
        return any((value.lower() == "true") == absent for value in wanted)
    compare, negated = _BASE_OPERATORS[operator.name]
    if not given:  # a missing key: only IfExists, ForAllValues and negated operators hold
        if operator.qualifier:
            return operator.qualifier == "forallvalues" or operator.if_exists
        return operator.if_exists or negated
    matched = [any(compare(w, g) for w in wanted) != negated for g in given]
    if operator.qualifier == "forallvalues":
        return all(matched)
    if operator.qualifier == "foranyvalue":
        return any(matched)
    found = any(compare(w, g) for w in wanted for g in given)
    return found != negated
