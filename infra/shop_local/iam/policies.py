"""A function's IAM statements as SAM would put them on its role, resolved against the local stack.

`Policies` entries are inline documents (`Statement: [...]`) or SAM policy templates (expanded from
shop_local.iam.sam_policies). SAM also attaches AWS managed policies to every role it makes; those
are added as `implicit` statements, real grants but not the template's to trim, so the
unused-grants report leaves them out.

Each statement's resources are resolved twice: to the ARNs the local stack really created (what a
request is held against), and to a stack-independent form naming the template's resources
(`{UsersTable.Arn}/index/gsi1`), under which grants of two stacks (the integration tests' and the
e2e shop's) are the same grant.
"""

from __future__ import annotations

from typing import Any

from shop_local.iam.check import PolicyError, Statement, conditions_of
from shop_local.iam.sam_policies import EVENT_ROLES, MANAGED_POLICIES, SAM_POLICY_TEMPLATES
from shop_local.provisioning.intrinsics import NO_VALUE, Evaluator
from shop_local.provisioning.stack import FUNCTION_TYPES, Stack, function_globals


def function_statements(stack: Stack, logical_id: str) -> list[Statement]:
    """Every statement of the function's role: its Policies, then what SAM adds by itself."""
    resource = stack.resources.get(logical_id) or {}
    if resource.get("Type") not in FUNCTION_TYPES:
        raise PolicyError(f"{logical_id} is not an AWS::Serverless::Function of the template")
    properties = resource.get("Properties") or {}
    if "Role" in properties:
        raise PolicyError(f"{logical_id}: an explicit Role is not modelled (SAM then ignores Policies)")
    policies = properties.get("Policies") or []
    entries = [policies] if isinstance(policies, str | dict) else list(policies)
    shown = _symbolic(stack)
    statements: list[Statement] = []
    for number, entry in enumerate(entries, 1):
        statements.extend(_policy_statements(stack, shown, logical_id, number, entry))
    return statements + _implicit_statements(stack, logical_id, properties)


def _policy_statements(
    stack: Stack, shown: Evaluator, logical_id: str, number: int, entry: Any
) -> list[Statement]:
    where = f"{logical_id} Policies[{number}]"
    if isinstance(entry, dict) and set(entry) == {"Fn::If"}:
        entry = stack.resolve(entry)  # SAM allows !If around an entry; AWS::NoValue drops it
        if entry is NO_VALUE:
            return []
    if isinstance(entry, str):
        name = entry.rsplit("/", 1)[-1]
        if name not in MANAGED_POLICIES:
            raise PolicyError(f"{where}: managed policy {entry!r} is not modelled")
        return [_managed(name, implicit=False)]
    if not isinstance(entry, dict):
        raise PolicyError(f"{where}: expected a policy document or a policy template, got {entry!r}")
    if "Statement" in entry:
        raw = entry["Statement"]
        raw_statements = raw if isinstance(raw, list) else [raw]
        return [
            _statement(stack, shown, str(s.get("Sid") or f"Policies[{number}].Statement[{index}]"), s)
            for index, s in enumerate(raw_statements, 1)
        ]
    if len(entry) != 1:
        raise PolicyError(f"{where}: a policy template entry has exactly one key, got {sorted(entry)}")
    ((name, given),) = entry.items()
    if name not in SAM_POLICY_TEMPLATES:
        raise PolicyError(
            f"{where}: SAM policy template {name} is not modelled; copy its definition from "
            "aws-sam-translator's policy_templates.json into SAM_POLICY_TEMPLATES"
        )
    parameters, definition = SAM_POLICY_TEMPLATES[name]
    values = dict(given or {})
    missing = [p for p in parameters if p not in values]
    if missing:
        raise PolicyError(f"{where}: {name} needs {', '.join(missing)}")
    expanded = [_with_parameters(statement, values) for statement in definition]
    return [_statement(stack, shown, name, statement) for statement in expanded]


def _with_parameters(value: Any, parameters: dict[str, Any]) -> Any:
    """The template's `{"Ref": Parameter}` replaced by the value given for it (as SAM does)."""
    if isinstance(value, list):
        return [_with_parameters(item, parameters) for item in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in parameters:
            return parameters[value["Ref"]]
        return {key: _with_parameters(item, parameters) for key, item in value.items()}
    return value


def _strings(value: Any, what: str, label: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) for item in items):
        raise PolicyError(f"{label}: {what} must be a string or a list of strings, got {value!r}")
    return tuple(items)


def _statement(stack: Stack, shown: Evaluator, label: str, raw: dict[str, Any]) -> Statement:
    action_key = "NotAction" if "NotAction" in raw else "Action"
    resource_key = "NotResource" if "NotResource" in raw else "Resource"
    if action_key not in raw or resource_key not in raw:
        raise PolicyError(f"{label}: a statement needs an Action and a Resource")
    resources = _strings(stack.resolve(raw[resource_key]), resource_key, label)
    return Statement(
        label=label,
        effect=str(raw.get("Effect", "")),
        actions=_strings(stack.resolve(raw[action_key]), action_key, label),
        resources=resources,
        shown=_strings(shown.resolve(raw[resource_key]), resource_key, label),
        conditions=conditions_of(stack.resolve(raw.get("Condition")), label),
        not_action=action_key == "NotAction",
        not_resource=resource_key == "NotResource",
    )


def _managed(name: str, implicit: bool = True) -> Statement:
    return Statement(
        label=f"{name} (managed)",
        effect="Allow",
        actions=tuple(MANAGED_POLICIES[name]),
        resources=("*",),
        implicit=implicit,
    )


def _implicit_statements(stack: Stack, logical_id: str, properties: dict[str, Any]) -> list[Statement]:
    """What SAM puts on the role besides Policies: managed policies and event destinations."""
    names = ["AWSLambdaBasicExecutionRole"]
    tracing = properties.get("Tracing", function_globals(stack.template).get("Tracing"))
    if stack.resolve(tracing) == "Active":
        names.append("AWSXrayWriteOnlyAccess")
    extra: list[Statement] = []
    for event_id, event in (properties.get("Events") or {}).items():
        kind = str(event.get("Type", ""))
        if kind in EVENT_ROLES and EVENT_ROLES[kind] not in names:
            names.append(EVENT_ROLES[kind])
        failure = ((event.get("Properties") or {}).get("DestinationConfig") or {}).get("OnFailure") or {}
        target = {"SQS": "sqs:SendMessage*", "SNS": "sns:Publish"}.get(str(failure.get("Type", "")))
        if target is not None and "Destination" in failure:
            arn = str(stack.resolve(failure["Destination"]))
            label = f"{logical_id} Events.{event_id} OnFailure destination"
            extra.append(Statement(label, "Allow", (target,), (arn,), implicit=True))
    return [_managed(name) for name in names] + extra


def _symbolic(stack: Stack) -> Evaluator:
    """Resolves to names of the template's resources instead of their physical ids."""
    parameters = stack.parameters

    def ref(name: str) -> Any:
        if name.startswith("AWS::") or name in parameters:
            return stack.resolve({"Ref": name})
        return "{" + name + "}"

    def get_att(resource: str, attribute: str) -> str:
        return "{" + f"{resource}.{attribute}" + "}"

    return Evaluator(ref, get_att, stack.condition, stack.template.get("Mappings") or {}, stack.region)
