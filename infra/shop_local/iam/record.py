"""Record every AWS call a function makes, for the IAM check (`SHOP_IAM_CHECK=record:<directory>`).

Each process writes one file, `<directory>/calls-<pid>.jsonl`: a `stack` line per described stack
(every function's statements, resolved, and the stack's ARN book) and a `call` line per distinct
call (function, service, operation, the facts that decide its authorization and the error code if
it failed). A call is written
the first time it is seen, so nothing waits for the process to end (the e2e shop is stopped with a
signal) and the cost per call is one set lookup. Calls that no function makes (tests, provisioning,
seeding, pollers) are not recorded. `shop_local.iam.report` reads the files and decides.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import IO, Any

from shop_local.iam.actions import ArnBook, call_facts, key_arn
from shop_local.iam.check import PolicyError
from shop_local.iam.policies import function_statements
from shop_local.lambda_runtime import function_scopes
from shop_local.lambda_runtime.aws_call_hooks import Invocation, current_invocation, on_new_clients
from shop_local.provisioning.intrinsics import ProvisionError
from shop_local.provisioning.stack import FUNCTION_TYPES, Stack
from shop_local.settings import SettingsError

ENVIRONMENT_VARIABLE = "SHOP_IAM_CHECK"
RECORD_PREFIX = "record:"


def recording_directory(setting: str | None = None) -> Path | None:
    """The directory SHOP_IAM_CHECK names (`record:<directory>`), None when unset or `off`."""
    value = os.environ.get(ENVIRONMENT_VARIABLE, "") if setting is None else setting
    if value in {"", "off"}:
        return None
    if not value.startswith(RECORD_PREFIX) or not value.removeprefix(RECORD_PREFIX):
        raise SettingsError(f"{ENVIRONMENT_VARIABLE} must be 'record:<directory>' or 'off', got {value!r}")
    return Path(value.removeprefix(RECORD_PREFIX))


class Recorder:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"calls-{os.getpid()}.jsonl"
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._file: IO[str] | None = None

    def install(self) -> None:
        """From now on, the calls of every new botocore client are seen, and each function loaded
        builds its own services (`shop_local.lambda_runtime.function_scopes`): install before either exists."""
        function_scopes.install()
        on_new_clients(self.attach)

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-parameter-build.*.*", self._before)
        events.register("after-call.*.*", self._after)
        events.register("after-call-error.*.*", self._after_error)

    @staticmethod
    def _before(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        invocation = current_invocation()
        if invocation is not None:
            context["iam_call"] = (invocation, model.service_model.service_name, model.name, params)

    def _after(self, parsed: Any, context: dict[str, Any], **_: Any) -> None:
        answer = parsed if isinstance(parsed, dict) else {}
        error = answer.get("Error") or {}
        self._seen_call(context, answer, str(error.get("Code") or "") if isinstance(error, dict) else "")

    def _after_error(self, context: dict[str, Any], exception: BaseException, **_: Any) -> None:
        self._seen_call(context, None, type(exception).__name__)

    def _seen_call(self, context: dict[str, Any], answer: dict[str, Any] | None, error: str) -> None:
        found = context.pop("iam_call", None)
        if found is not None:
            invocation, service, operation, params = found
            self.record(invocation, service, operation, call_facts(operation, params, answer), error)

    def record(
        self, invocation: Invocation, service: str, operation: str, facts: dict[str, Any], error: str = ""
    ) -> None:
        """`error`: the error code of a call that failed ("" when it succeeded)."""
        call = {
            "function": invocation.function_name,
            "logical_id": invocation.logical_id,
            "service": service,
            "operation": operation,
            "facts": facts,
            "error": error,
        }
        key = json.dumps(call, sort_keys=True)
        if key in self._seen:
            return
        with self._lock:
            if key not in self._seen:
                self._seen.add(key)
                self._write({"call": call})

    def describe(self, stack: Stack) -> None:
        """Every function's statements and the stack's ARNs: what the recorded calls are held against."""
        functions: dict[str, Any] = {}
        for logical_id, resource in stack.resources.items():
            if resource.get("Type") not in FUNCTION_TYPES:
                continue
            name = stack.physical_ids.get(logical_id, f"{stack.stack_name}-{logical_id}")
            try:
                statements = [s.to_json() for s in function_statements(stack, logical_id)]
                functions[name] = {"logical_id": logical_id, "statements": statements}
            except (PolicyError, ProvisionError) as exc:
                functions[name] = {"logical_id": logical_id, "error": str(exc)}
        with self._lock:
            self._write(
                {
                    "stack": {
                        "name": stack.stack_name,
                        "book": arn_book(stack).to_json(),
                        "functions": functions,
                    }
                }
            )

    def _write(self, line: dict[str, Any]) -> None:
        if self._file is None:
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(json.dumps(line, sort_keys=True) + "\n")
        self._file.flush()


def arn_book(stack: Stack) -> ArnBook:
    def of_type(kind: str) -> list[str]:
        return [
            lid
            for lid, res in stack.resources.items()
            if res.get("Type") == kind and lid in stack.physical_ids
        ]

    keys = {lid: str(stack.attributes[lid]["Arn"]) for lid in of_type("AWS::KMS::Key")}
    book = ArnBook(stack.region, stack.account_id, keys=tuple(keys.values()))
    aliases = {}
    for lid in of_type("AWS::KMS::Alias"):
        target = stack.resolve((stack.resources[lid].get("Properties") or {}).get("TargetKeyId"))
        aliases[stack.physical_ids[lid]] = key_arn(str(target), book)
    queues = {
        str(stack.attributes[lid]["QueueUrl"]): str(stack.attributes[lid]["Arn"])
        for lid in of_type("AWS::SQS::Queue")
    }
    return ArnBook(
        region=stack.region,
        account=stack.account_id,
        secrets=tuple(stack.physical_ids[lid] for lid in of_type("AWS::SecretsManager::Secret")),
        keys=book.keys,
        aliases=aliases,
        queues=queues,
        identities=tuple(stack.physical_ids[lid] for lid in of_type("AWS::SES::EmailIdentity")),
    )


def start_recording() -> Recorder | None:
    """A recorder installed in this process when SHOP_IAM_CHECK says so (before any client exists)."""
    directory = recording_directory()
    if directory is None:
        return None
    recorder = Recorder(directory)
    recorder.install()
    return recorder
