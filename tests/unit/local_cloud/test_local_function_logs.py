"""The local shop runs every function's containers as threads of one process: each invocation must
still log and measure as its own Lambda would, under its function's physical name."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from shop_local.lambda_runtime.containers import Functions
from shop_local.lambda_runtime.functions import FunctionSpec, LambdaContext

NAMES = {"Orders": "shop-local-OrdersFunction", "Carts": "shop-local-CartsFunction"}


def spec(logical_id: str) -> FunctionSpec:
    arn = f"arn:aws:lambda:eu-west-1:000000000000:function:{NAMES[logical_id]}"
    return FunctionSpec(logical_id, NAMES[logical_id], Path("."), "x.handler", timeout=5, memory=256, arn=arn)


def run_together(functions: Functions, times: int = 1) -> None:
    """Both functions at once, `times` rounds."""
    for _ in range(times):
        threads = [threading.Thread(target=functions.invoke, args=(f, {})) for f in NAMES]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def test_the_context_is_the_functions_physical_name_arn_and_memory() -> None:
    context = LambdaContext.for_function(spec("Orders"))
    assert context.function_name == "shop-local-OrdersFunction" and context.memory_limit_in_mb == 256
    assert (
        context.invoked_function_arn
        == "arn:aws:lambda:eu-west-1:000000000000:function:shop-local-OrdersFunction"
    )
    assert context.log_group_name == "/aws/lambda/shop-local-OrdersFunction"


def test_functions_running_at_once_each_log_their_own_name_and_cold_start() -> None:
    """One service's Loggers share one formatter: `inject_lambda_context` of two functions running
    at once used to leave both logging the name of whichever appended its keys last."""
    output = io.StringIO()
    logger = Logger(service="local-logs-test", logger_handler=logging.StreamHandler(output))
    both_started = threading.Barrier(2)

    def load(function: FunctionSpec) -> Callable[..., Any]:
        @logger.inject_lambda_context
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            both_started.wait(5)  # both have appended their Lambda context by now
            logger.info("working", extra={"expected": function.function_name})
            return {}

        return handler

    functions = Functions([spec(name) for name in NAMES], loader=load)
    run_together(functions, times=2)
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    assert len(lines) == 4
    assert all(line["function_name"] == line["expected"] for line in lines), lines
    assert all(line["function_arn"].endswith(":" + line["expected"]) for line in lines)
    cold = {(line["expected"], line["cold_start"]) for line in lines}
    assert cold == {(name, first) for name in NAMES.values() for first in (True, False)}


def test_a_function_that_logs_outside_inject_lambda_context_still_logs_its_own_name() -> None:
    output = io.StringIO()
    logger = Logger(service="local-logs-plain-test", logger_handler=logging.StreamHandler(output))

    def load(function: FunctionSpec) -> Callable[..., Any]:
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            logger.info("no decorator", extra={"expected": function.function_name})
            return {}

        return handler

    run_together(Functions([spec(name) for name in NAMES], loader=load))
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    assert sorted(line["function_name"] for line in lines) == sorted(NAMES.values())
    assert all(line["function_name"] == line["expected"] for line in lines)


def test_functions_running_at_once_each_flush_only_their_own_metrics(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = Metrics(namespace="LocalLogsTest", service="shop")
    both_counted = threading.Barrier(2)

    def load(function: FunctionSpec) -> Callable[..., Any]:
        @metrics.log_metrics
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            metrics.add_metric(name=f"{function.logical_id}Counted", unit=MetricUnit.Count, value=1)
            both_counted.wait(5)  # both metrics are in before either function flushes
            return {}

        return handler

    capsys.readouterr()
    run_together(Functions([spec(name) for name in NAMES], loader=load))
    documents = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')
    ]
    names = sorted(
        metric["Name"] for d in documents for metric in d["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    )
    assert len(documents) == 2 and names == ["CartsCounted", "OrdersCounted"]


def test_the_runners_own_log_lines_name_the_function_both_ways(capsys: pytest.CaptureFixture[str]) -> None:
    functions = Functions([spec("Orders")], loader=lambda function: lambda event, context: {})
    capsys.readouterr()
    functions.invoke("Orders", {})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    cold = [line for line in lines if line.get("event") == "cold_start"]
    assert len(cold) == 1
    assert (cold[0]["function"], cold[0]["function_name"]) == ("Orders", "shop-local-OrdersFunction")
