"""The garbage collector is paused while a function loads (`shop.init_phase`, every handler's first
import) and runs again from its first invocation, with what the init made frozen out of its scans;
the local runtime, which loads functions again and again in one process, never leaves it paused."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shop_local.provisioning.stack import FUNCTION_TYPES, function_spec
from shop_local.provisioning.template import load_template
from tests.fakes import stand_in_settings

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = load_template()
FUNCTIONS = sorted(
    logical_id
    for logical_id, resource in (TEMPLATE.get("Resources") or {}).items()
    if resource.get("Type") in FUNCTION_TYPES
)
# Its module imports only the standard library, so that a broken layer still answers CloudFormation.
STANDARD_LIBRARY_ONLY = {"SigningKeySetupFunction"}
# An API event for a route the function does not serve: answered 404 without an AWS call.
NO_ROUTE = {
    "resource": "/nowhere",
    "path": "/nowhere",
    "httpMethod": "GET",
    "headers": {},
    "multiValueHeaders": {},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "stageVariables": None,
    "requestContext": {"requestId": "r-1", "stage": "v1", "httpMethod": "GET", "resourcePath": "/nowhere"},
    "body": None,
    "isBase64Encoded": False,
}
LAMBDA_LOAD = """
import gc, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("handler_module", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["handler_module"] = module
spec.loader.exec_module(module)
loaded = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}

class Context:
    function_name, memory_limit_in_mb, function_version = "GetCart", 512, "$LATEST"
    invoked_function_arn, aws_request_id = "arn:aws:lambda:us-east-1:123456789012:function:GetCart", "r-1"
    def get_remaining_time_in_millis(self):
        return 10000

answer = module.handler(json.loads(sys.argv[2]), Context())
invoked = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(), "status": answer["statusCode"]}
print(json.dumps({"loaded": loaded, "invoked": invoked}))
"""
LOCAL_LOAD = """
import gc, json
from shop_local.lambda_runtime.functions import load_handler
from shop_local.provisioning.stack import function_spec
from shop_local.provisioning.template import load_template
load_handler(function_spec(load_template(), "GetCartFunction"))
print(json.dumps({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""


def _first_import(path: Path) -> str:
    for statement in ast.parse(path.read_text()).body:
        if isinstance(statement, ast.Import):
            return statement.names[0].name
        if isinstance(statement, ast.ImportFrom) and statement.module != "__future__":
            return str(statement.module)
    return ""


@pytest.mark.parametrize("logical_id", sorted(set(FUNCTIONS) - STANDARD_LIBRARY_ONLY))
def test_a_handler_imports_the_init_phase_first(logical_id: str) -> None:
    assert _first_import(function_spec(TEMPLATE, logical_id).handler_file) == "shop.init_phase"


def _run(code: str, *args: str) -> dict[str, object]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment |= stand_in_settings() | {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "shop"), str(ROOT / "infra")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_loaded_as_lambda_loads_it_the_collector_waits_for_the_first_invocation() -> None:
    handler_file = function_spec(TEMPLATE, "GetCartFunction").handler_file
    seen = _run(LAMBDA_LOAD, str(handler_file), json.dumps(NO_ROUTE))
    assert seen["loaded"] == {"enabled": False, "frozen": 0}
    invoked = seen["invoked"]
    assert isinstance(invoked, dict)
    assert invoked["status"] == 404
    assert invoked["enabled"] is True
    assert invoked["frozen"] > 10_000  # the modules, classes and services the init made


def test_the_local_runtime_never_leaves_the_collector_paused_nor_freezes() -> None:
    assert _run(LOCAL_LOAD) == {"enabled": True, "frozen": 0}
