"""CloudFormation's intrinsic functions, evaluated against what the local stack has created.

Kept apart from the provisioning steps so that the gateway and tests can resolve any part of the
template (environment variables, event sources, outputs) with the same rules CloudFormation uses.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from typing import Any

ACCOUNT_ID = "123456789012"  # moto's default account, so that our ARNs match the emulator's
NO_VALUE = object()  # AWS::NoValue: the property disappears
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class ProvisionError(RuntimeError):
    """The template cannot be provisioned as written; the message says which part and why."""


Lookup = Callable[[str], Any]


def sub_names(text: str) -> Iterator[str]:
    """The variable names of a Fn::Sub string (`${!Literal}` is not a variable)."""
    for match in _SUB_VARIABLE.finditer(text):
        if not match.group(1).startswith("!"):
            yield match.group(1)


def substitute(text: str, value_of: Lookup) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return "${" + name[1:] + "}" if name.startswith("!") else str(value_of(name))

    return _SUB_VARIABLE.sub(replace, text)


def references(value: Any) -> Iterator[str]:
    """Every logical id or parameter a template fragment refers to (for ordering)."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        if len(value) == 1 and "Ref" in value and isinstance(value["Ref"], str):
            yield value["Ref"]
            return
        if len(value) == 1 and "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            yield (target.split(".")[0] if isinstance(target, str) else str(target[0]))
            return
        if len(value) == 1 and "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text, variables = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])
            yield from (name.split(".")[0] for name in sub_names(text) if name not in variables)
            yield from references(variables)
            return
        for item in value.values():
            yield from references(item)


class Evaluator:
    """Evaluates intrinsics given lookups for Ref, GetAtt, conditions and mappings."""

    def __init__(
        self,
        ref: Lookup,
        get_att: Callable[[str, str], Any],
        condition: Callable[[str], bool],
        mappings: dict[str, Any],
        region: str,
    ) -> None:
        self._ref, self._get_att, self._condition = ref, get_att, condition
        self._mappings, self._region = mappings, region

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            function = self._functions().get(key)
            if function is not None:
                return function(argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def truth(self, value: Any) -> bool:
        """A condition expression: Fn::Equals/And/Or/Not, {"Condition": name}, or a literal."""
        if isinstance(value, dict) and set(value) == {"Condition"}:
            return self._condition(str(value["Condition"]))
        result = self.resolve(value)
        if isinstance(result, bool):
            return result
        if isinstance(result, str) and result.lower() in {"true", "false"}:
            return result.lower() == "true"
        raise ProvisionError(f"not a condition: {value!r}")

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": lambda name: self._ref(str(name)),
            "Fn::GetAtt": self._fn_get_att,
            "Fn::Sub": self._fn_sub,
            "Fn::Join": lambda a: str(a[0]).join(str(x) for x in self.resolve(a[1])),
            "Fn::Select": lambda a: self.resolve(a[1])[int(self.resolve(a[0]))],
            "Fn::Split": lambda a: str(self.resolve(a[1])).split(str(a[0])),
            "Fn::If": lambda a: self.resolve(a[1] if self._condition(str(a[0])) else a[2]),
            "Fn::Equals": lambda a: str(self.resolve(a[0])) == str(self.resolve(a[1])),
            "Fn::Not": lambda a: not self.truth(a[0]),
            "Fn::And": lambda a: all(self.truth(x) for x in a),
            "Fn::Or": lambda a: any(self.truth(x) for x in a),
            "Fn::FindInMap": self._fn_find_in_map,
            "Fn::Base64": lambda a: base64.b64encode(str(self.resolve(a)).encode()).decode(),
            "Fn::GetAZs": lambda _: [f"{self._region}{zone}" for zone in "abc"],
            "Fn::ImportValue": self._fn_import_value,
        }

    def _fn_get_att(self, argument: Any) -> Any:
        target = argument.split(".", 1) if isinstance(argument, str) else self.resolve(argument)
        return self._get_att(str(target[0]), str(target[1]))

    def _fn_sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
        values = {name: self.resolve(item) for name, item in variables.items()}

        def value_of(name: str) -> Any:
            if name in values:
                return values[name]
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return self._get_att(resource, attribute)
            return self._ref(name)

        return substitute(str(text), value_of)

    def _fn_find_in_map(self, argument: Any) -> Any:
        name, top, second = (str(self.resolve(part)) for part in argument)
        try:
            return self._mappings[name][top][second]
        except KeyError:
            raise ProvisionError(f"Fn::FindInMap: no {name}/{top}/{second} in Mappings") from None

    def _fn_import_value(self, argument: Any) -> Any:
        raise ProvisionError(
            f"Fn::ImportValue {argument!r}: the local stack has no other stacks to import from"
        )
