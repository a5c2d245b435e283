"""Functions as the template declares them: Globals applied, environment resolved, handlers loaded like Lambda."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from shop_local.lambda_runtime.functions import FunctionSpec, LambdaContext, load_handler
from shop_local.provisioning.stack import Stack, load_function

HANDLER = """
import itertools
calls = itertools.count(1)
COLD_STARTS = []
COLD_STARTS.append(1)

def handler(event, context):
    return {"call": next(calls), "cold_starts": len(COLD_STARTS), "echo": event}
"""


@pytest.fixture
def template(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "place_order.py").write_text(HANDLER)
    return {
        "Globals": {
            "Function": {
                "Runtime": "python3.11",
                "Timeout": 10,
                "MemorySize": 512,
                "Environment": {
                    "Variables": {"TABLE": {"Ref": "Table"}, "TTL": {"Ref": "Ttl"}, "SHARED": "g"}
                },
            }
        },
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table"},
            "PlaceOrder": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "orders/",
                    "Handler": "place_order.handler",
                    "Timeout": 30,
                    "Environment": {"Variables": {"SHARED": "own", "FLAG": True}},
                    "Events": {"Api": {"Type": "Api", "Properties": {"Path": "/orders", "Method": "post"}}},
                    "Policies": [{"DynamoDBCrudPolicy": {"TableName": {"Ref": "Table"}}}],
                },
            },
        },
    }


@pytest.fixture
def stack(template: dict[str, Any], tmp_path: Path) -> Stack:
    stack = Stack(template, "http://emulator", base_dir=tmp_path)
    stack.parameters = {"Ttl": "900"}
    stack.physical_ids = {"Table": "shop-local-Table", "PlaceOrder": "shop-local-PlaceOrder"}
    return stack


def test_function_environment_merges_globals_and_own_as_strings(stack: Stack) -> None:
    assert stack.function_environment("PlaceOrder") == {
        "TABLE": "shop-local-Table",
        "TTL": "900",
        "SHARED": "own",
        "FLAG": "true",
    }
    assert stack.globals_environment()["SHARED"] == "g"


def test_function_spec_applies_globals(stack: Stack, tmp_path: Path) -> None:
    (spec,) = stack.functions()
    assert spec.logical_id == "PlaceOrder"
    assert spec.function_name == "shop-local-PlaceOrder"
    assert spec.code_uri == tmp_path / "orders/"
    assert (spec.timeout, spec.memory, spec.runtime) == (30, 512, "python3.11")
    assert spec.events["Api"]["Properties"]["Path"] == "/orders"
    assert spec.policies == [{"DynamoDBCrudPolicy": {"TableName": {"Ref": "Table"}}}]


def test_each_load_is_a_separate_container(stack: Stack) -> None:
    first, second = load_handler(stack.function("PlaceOrder")), load_handler(stack.function("PlaceOrder"))
    assert first({"n": 1}, None)["call"] == 1
    assert first({"n": 2}, None)["call"] == 2
    assert second({"n": 3}, None) == {"call": 1, "cold_starts": 1, "echo": {"n": 3}}
    assert first.__module__ != second.__module__
    assert not any(str(stack.base_dir) in entry for entry in sys.path)


def test_load_function_from_a_bare_template(template: dict[str, Any], tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "template.yaml").write_text("{}")
    assert load_function(template, "PlaceOrder")({}, None)["call"] == 1


def test_a_missing_handler_file_says_which_function() -> None:
    spec = FunctionSpec("Ghost", "ghost", Path("/nowhere"), "ghost.handler")
    with pytest.raises(FileNotFoundError, match="Ghost"):
        load_handler(spec)


def test_context_is_accepted_by_powertools_logger(capsys) -> None:
    logger = Logger(service="test")
    context = LambdaContext("shop-local-PlaceOrder", memory_limit_in_mb=512, timeout_seconds=10)

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: LambdaContext) -> int:
        logger.info("hello")
        return context.get_remaining_time_in_millis()

    remaining = handler({}, context)
    assert 9000 < remaining <= 10000
    assert '"function_name":"shop-local-PlaceOrder"' in capsys.readouterr().out.replace(" ", "")
