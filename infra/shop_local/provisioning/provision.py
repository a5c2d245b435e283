"""Provision template.yaml into the emulator, in dependency order, the way CloudFormation would.

The template stays the single source of truth: tables, queues, topics, keys and secrets are
created from it (nothing hand-written), and the returned Stack answers Ref/GetAtt/Sub with the
physical values, so functions get exactly the environment the cloud would give them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shop_local.provisioning.console_resources import CONSOLE_CREATORS
from shop_local.provisioning.custom_resources import create_custom_resource, is_custom
from shop_local.provisioning.intrinsics import ProvisionError, references
from shop_local.provisioning.resource_types import creators, fallback
from shop_local.provisioning.security_resources import SECURITY_CREATORS
from shop_local.provisioning.stack import FUNCTION_TYPES, Stack, function_globals
from shop_local.provisioning.template import find_template
from shop_local.settings import LOCAL_PARAMETER_VALUES

__all__ = ["ProvisionError", "Stack", "provision"]


def provision(
    template: dict[str, Any],
    endpoint_url: str,
    stack_name: str = "shop-local",
    region: str = "us-east-1",
    parameters: dict[str, str] | None = None,
    base_dir: Path | None = None,
) -> Stack:
    """Create every resource of `template` in the emulator at `endpoint_url`; safe to run again."""
    stack = Stack(template, endpoint_url, stack_name, region, base_dir or find_template().parent)
    stack.parameters = resolve_parameters(template.get("Parameters") or {}, parameters or {})
    known = creators() | SECURITY_CREATORS | CONSOLE_CREATORS
    for logical_id in creation_order(template):
        resource = stack.resources[logical_id]
        condition = resource.get("Condition")
        if condition is not None and not stack.condition(str(condition)):
            continue
        kind = str(resource.get("Type", ""))
        properties = resource.get("Properties") or {}
        try:
            if is_custom(kind):
                physical, attributes = create_custom_resource(stack, logical_id, properties)
            else:
                physical, attributes = known.get(kind, fallback(kind))(stack, logical_id, properties)
        except ProvisionError as exc:
            if str(exc).startswith(logical_id):
                raise
            raise ProvisionError(f"{logical_id} ({kind}): {exc}") from exc
        except Exception as exc:
            raise ProvisionError(f"{logical_id} ({kind}): {type(exc).__name__}: {exc}") from exc
        stack.physical_ids[logical_id] = physical
        stack.attributes[logical_id] = attributes
    return stack


def resolve_parameters(declared: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
    """Defaults overridden by `given`, checked like CloudFormation checks them. A parameter without
    a Default that is not given takes its local value (LOCAL_PARAMETER_VALUES), if it has one."""
    unknown = set(given) - set(declared)
    if unknown:
        raise ProvisionError(f"unknown parameters: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        raw = given.get(name, spec.get("Default", LOCAL_PARAMETER_VALUES.get(name)))
        if raw is None:
            raise ProvisionError(f"parameter {name} has no Default and no value was given")
        kind = str(spec.get("Type", "String"))
        text = ",".join(str(x) for x in raw) if isinstance(raw, list) else str(raw)
        if kind == "Number":
            _check_number(name, text, spec)
        allowed = spec.get("AllowedValues")
        if allowed is not None and text not in [str(a) for a in allowed]:
            raise ProvisionError(f"parameter {name}={text!r} is not one of {allowed}")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and kind == "String" and not re.fullmatch(str(pattern), text):
            raise ProvisionError(f"parameter {name}={text!r} does not match {pattern}")
        values[name] = (
            text.split(",") if kind.startswith("CommaDelimitedList") or kind.startswith("List<") else text
        )
    return values


def _check_number(name: str, text: str, spec: dict[str, Any]) -> None:
    try:
        number = float(text)
    except ValueError:
        raise ProvisionError(f"parameter {name} must be a number, got {text!r}") from None
    low, high = spec.get("MinValue"), spec.get("MaxValue")
    if low is not None and number < float(low):
        raise ProvisionError(f"parameter {name}={text} is below its MinValue {low}")
    if high is not None and number > float(high):
        raise ProvisionError(f"parameter {name}={text} is above its MaxValue {high}")


def _dependencies(template: dict[str, Any], logical_id: str) -> set[str]:
    resource = template["Resources"][logical_id]
    properties = dict(resource.get("Properties") or {})
    fragments: list[Any] = []
    if resource.get("Type") in FUNCTION_TYPES:
        properties.pop("Events", None)  # event sources point at the API, which points at functions
        fragments.append(function_globals(template))
    fragments.append(properties)
    depends_on = resource.get("DependsOn") or []
    found = set(references(fragments)) | set([depends_on] if isinstance(depends_on, str) else depends_on)
    return {name for name in found if name in template["Resources"] and name != logical_id}


def creation_order(template: dict[str, Any]) -> list[str]:
    """Resources ordered so each comes after what it refers to (template order among equals)."""
    resources = template.get("Resources") or {}
    pending = {logical_id: _dependencies(template, logical_id) for logical_id in resources}
    order: list[str] = []
    while pending:
        ready = [lid for lid, deps in pending.items() if deps <= set(order)]
        if not ready:
            cycle = ", ".join(f"{lid} -> {sorted(deps - set(order))}" for lid, deps in pending.items())
            raise ProvisionError(f"circular or missing dependencies: {cycle}")
        order.extend(ready)
        for lid in ready:
            del pending[lid]
    return order
