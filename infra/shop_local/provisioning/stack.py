"""A provisioned local stack: physical ids and attributes by logical id, and the template's view of them.

The gateway, the poller and the tests all ask the Stack (not the template) what a table is called
or what environment a function gets, so that everything agrees with what was really created.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from shop_local.lambda_runtime.functions import FunctionSpec, Handler, load_handler
from shop_local.provisioning.intrinsics import ACCOUNT_ID, NO_VALUE, Evaluator, ProvisionError
from shop_local.provisioning.template import find_template

FAKE_CREDENTIAL = "test"  # the emulator accepts any credentials; never real ones
FUNCTION_TYPES = {"AWS::Serverless::Function"}
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=30)


@dataclass
class Stack:
    """What `provision` created: Ref values in `physical_ids`, GetAtt values in `attributes`."""

    template: dict[str, Any]
    endpoint_url: str
    stack_name: str = "shop-local"
    region: str = "us-east-1"
    base_dir: Path = field(default_factory=lambda: find_template().parent)
    parameters: dict[str, Any] = field(default_factory=dict)
    physical_ids: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    account_id: str = ACCOUNT_ID

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template.get("Resources") or {}

    def client(self, service: str) -> Any:
        """A boto3 client for the emulator, with fake credentials whatever the environment says.

        A per-service endpoint setting (AWS_ENDPOINT_URL_DYNAMODB: DynamoDB Local) wins, as in boto3.
        """
        session = boto3.session.Session()
        service_id = str(session._session.get_service_model(service).service_id)
        override = os.environ.get("AWS_ENDPOINT_URL_" + service_id.replace(" ", "_").upper())
        return session.client(  # type: ignore[call-overload]
            service,
            endpoint_url=override or self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=FAKE_CREDENTIAL,
            aws_secret_access_key=FAKE_CREDENTIAL,
            config=_CLIENT_CONFIG,
        )

    def resolve(self, value: Any) -> Any:
        """Ref, Fn::GetAtt, Fn::Sub, Fn::Join/Select/Split/If/... evaluated to physical values."""
        return self._evaluator().resolve(value)

    def condition(self, name: str) -> bool:
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise ProvisionError(f"condition {name!r} is not defined in Conditions")
        return self._evaluator().truth(conditions[name])

    def physical_id(self, logical_id: str) -> str:
        if logical_id not in self.physical_ids:
            known = "a resource not provisioned (yet)" if logical_id in self.resources else "no resource"
            raise ProvisionError(f"Ref {logical_id!r}: {known} of that name")
        return self.physical_ids[logical_id]

    def attribute(self, logical_id: str, name: str) -> Any:
        values = self.attributes.get(logical_id, {})
        if name not in values:
            if logical_id not in self.resources:
                raise ProvisionError(
                    f"Fn::GetAtt {logical_id}.{name}: the template has no resource {logical_id}"
                )
            kind = self.resources[logical_id].get("Type")
            state = "no such attribute" if logical_id in self.physical_ids else "not provisioned (yet)"
            raise ProvisionError(f"Fn::GetAtt {logical_id}.{name}: {state} ({kind})")
        return values[name]

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """Globals.Function.Environment merged with the function's own, resolved, all strings."""
        merged = {**_variables(function_globals(self.template)), **_variables(self._properties(logical_id))}
        return self._environment(merged)

    def globals_environment(self) -> dict[str, str]:
        """Globals.Function.Environment alone, resolved: what every function of the stack gets."""
        return self._environment(_variables(function_globals(self.template)))

    def _environment(self, variables: dict[str, Any]) -> dict[str, str]:
        resolved = self.resolve(variables)
        return {name: _text(value) for name, value in resolved.items() if value is not NO_VALUE}

    def function(self, logical_id: str) -> FunctionSpec:
        spec = function_spec(self.template, logical_id, self.base_dir, self.stack_name)
        name = self.physical_ids.get(logical_id, spec.function_name)
        arn = str(self.attributes.get(logical_id, {}).get("Arn", ""))
        return replace(spec, function_name=name, arn=arn, environment=self.function_environment(logical_id))

    def functions(self) -> list[FunctionSpec]:
        return [
            self.function(lid) for lid, res in self.resources.items() if res.get("Type") in FUNCTION_TYPES
        ]

    def outputs(self) -> dict[str, Any]:
        """The template's Outputs, resolved (those whose Condition is false are left out)."""
        declared = (self.template.get("Outputs") or {}).items()
        return {
            name: self.resolve(out.get("Value"))
            for name, out in declared
            if "Condition" not in out or self.condition(str(out["Condition"]))
        }

    def _evaluator(self) -> Evaluator:
        mappings = self.template.get("Mappings") or {}
        return Evaluator(self._ref, self.attribute, self.condition, mappings, self.region)

    def _properties(self, logical_id: str) -> dict[str, Any]:
        resource = self.resources.get(logical_id)
        if resource is None or resource.get("Type") not in FUNCTION_TYPES:
            raise ProvisionError(f"{logical_id!r} is not an AWS::Serverless::Function of the template")
        return resource.get("Properties") or {}

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/local",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.physical_id(name)


def function_globals(template: dict[str, Any]) -> dict[str, Any]:
    """Globals.Function: what every AWS::Serverless::Function inherits."""
    return ((template.get("Globals") or {}).get("Function")) or {}


def _variables(properties: dict[str, Any]) -> dict[str, Any]:
    return dict(((properties.get("Environment") or {}).get("Variables")) or {})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def function_spec(
    template: dict[str, Any], logical_id: str, base_dir: Path | None = None, stack_name: str = "shop-local"
) -> FunctionSpec:
    """A function's settings with Globals applied; environment holds only literal (unresolved-free) values."""
    resource = (template.get("Resources") or {}).get(logical_id)
    if resource is None or resource.get("Type") not in FUNCTION_TYPES:
        raise ProvisionError(f"{logical_id!r} is not an AWS::Serverless::Function of the template")
    props = {**function_globals(template), **(resource.get("Properties") or {})}
    code_uri = props.get("CodeUri")
    if not isinstance(code_uri, str) or "Handler" not in props:
        raise ProvisionError(f"{logical_id}: needs a local CodeUri folder and a Handler")
    env = {**_variables(function_globals(template)), **_variables(resource.get("Properties") or {})}
    name = props.get("FunctionName")
    return FunctionSpec(
        logical_id=logical_id,
        function_name=name if isinstance(name, str) else f"{stack_name}-{logical_id}",
        code_uri=(base_dir or find_template().parent) / code_uri,
        handler=str(props["Handler"]),
        runtime=str(props.get("Runtime", "python3.11")),
        timeout=int(props.get("Timeout", 3)),
        memory=int(props.get("MemorySize", 128)),
        environment={k: _text(v) for k, v in env.items() if not isinstance(v, dict | list)},
        events=dict(props.get("Events") or {}),
        policies=_as_list(props.get("Policies")),
    )


def load_function(template_or_stack: dict[str, Any] | Stack, logical_id: str) -> Handler:
    """A fresh handler for one function of a template (or of a provisioned stack)."""
    if isinstance(template_or_stack, Stack):
        return load_handler(template_or_stack.function(logical_id))
    return load_handler(function_spec(template_or_stack, logical_id))
