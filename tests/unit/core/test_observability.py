"""Every function is traced and measured through `shop.observability`, and metrics leave each
invocation as the alarms expect them: namespace ServerlessShop, dimension `service`, one EMF
document per invocation, plus powertools' ColdStart on the first."""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast, get_args

import pytest
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics.provider import cold_start
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

from shop import bootstrap, observability
from shop.adapters.aws import client, session
from shop.config import settings
from shop.errors import RateLimited
from shop.observability import count, observed
from shop.services.auth_ports import RateLimiter, Room
from shop.services.client_limits import ClientLimits
from shop_local.lambda_runtime.functions import LambdaContext, handler_module
from shop_local.provisioning.stack import FUNCTION_TYPES, function_spec
from shop_local.provisioning.template import load_template
from tests.fakes import stand_in_settings

TEMPLATE = load_template()
FUNCTIONS = sorted(
    logical_id
    for logical_id, resource in (TEMPLATE.get("Resources") or {}).items()
    if resource.get("Type") in FUNCTION_TYPES
)


def _forget_built_services() -> None:
    for value in vars(bootstrap).values():
        if callable(value) and hasattr(value, "cache_clear"):
            value.cache_clear()
    for cached in (settings, client, session):
        cached.cache_clear()


@pytest.fixture
def function_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Enough for a handler module's cold start: its services are built, nothing is called."""
    for name, value in stand_in_settings().items():
        monkeypatch.setenv(name, value)
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    _forget_built_services()
    yield
    _forget_built_services()


# Its module imports the layer inside the try that answers CloudFormation, so it observes there.
OBSERVED_INSIDE = "SigningKeySetupFunction"


def load_module(logical_id: str) -> Any:
    """The function's module, loaded from CodeUri + Handler as the local runtime loads it (the
    collector running again right after), and not left in sys.modules."""
    name = f"unit_observability_{logical_id}"
    try:
        return handler_module(name, function_spec(TEMPLATE, logical_id).handler_file)
    finally:
        sys.modules.pop(name, None)


def load_module_handler(logical_id: str) -> Callable[..., Any]:
    handler: Callable[..., Any] = load_module(logical_id).handler  # every function's Handler is *.handler
    return handler


def decorator_layers(handler: Callable[..., Any]) -> list[dict[str, Any]]:
    """Outermost first: each wrapper's closure (what powertools' decorators captured)."""
    layers: list[dict[str, Any]] = []
    current: Any = handler
    while current is not None:
        names, cells = current.__code__.co_freevars, current.__closure__ or ()
        layers.append({name: cell.cell_contents for name, cell in zip(names, cells, strict=True)})
        current = getattr(current, "__wrapped__", None)
    return layers


@pytest.mark.parametrize("logical_id", [f for f in FUNCTIONS if f != OBSERVED_INSIDE])
def test_every_handler_has_the_logger_context_the_tracer_and_the_metrics(
    logical_id: str, function_environment: None
) -> None:
    layers = decorator_layers(load_module_handler(logical_id))
    owners = [type(layer.get("self")) for layer in layers]
    logger, tracer, metrics = (owners.index(kind) for kind in (Logger, Tracer, AmazonCloudWatchEMFProvider))
    assert logger < tracer < metrics, "logger outermost, then the tracer, then log_metrics"
    assert layers[tracer]["self"] is observability.tracer and layers[tracer]["capture_response"] is False
    assert layers[metrics]["self"] is observability.metrics.provider
    assert layers[metrics]["capture_cold_start_metric"] is True


def test_every_handler_is_named_handler() -> None:
    assert len(FUNCTIONS) > 40 and "AuthorizerFunction" in FUNCTIONS and OBSERVED_INSIDE in FUNCTIONS
    assert {function_spec(TEMPLATE, f).handler.rpartition(".")[2] for f in FUNCTIONS} == {"handler"}


def test_the_custom_resource_observes_its_work_inside_the_try_that_answers_cloudformation(
    function_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load_module(OBSERVED_INSIDE)
    wrapped, answers = [], []
    real = observability.observed

    def spy(handler: Any, **options: Any) -> Any:
        wrapped.append(handler.__name__)
        return real(handler, **options)

    monkeypatch.setattr(observability, "observed", spy)
    monkeypatch.setattr(module, "_send", lambda event, status, *rest: answers.append(status))
    event = {"RequestType": "Delete", "ResourceProperties": {"SecretId": "s"}, "ResponseURL": "https://x"}
    module.handler(event, LambdaContext("shop-SigningKeySetupFunction-abc"))
    assert (wrapped, answers) == (["_set_up"], ["SUCCESS"])


def test_the_tracer_patches_boto3_and_is_off_outside_lambda() -> None:
    assert observability.tracer.disabled  # no LAMBDA_TASK_ROOT here: nothing is sent
    assert Tracer._config["patch_modules"] == ["boto3"]


def totals(documents: list[dict[str, Any]]) -> Counter[str]:
    found: Counter[str] = Counter()
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                found[metric["Name"]] += int(sum(document[metric["Name"]]))
    return found


def test_each_invocation_flushes_its_own_metrics_and_the_first_one_its_cold_start(
    metric_documents: Callable[[], list[dict[str, Any]]],
) -> None:
    @observed
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        for _ in range(event["orders"]):
            count("OrdersCreated")
        return {}

    cold_start.is_cold_start = True  # a new container
    context = LambdaContext("shop-OrdersFunction-abc")
    handler({"orders": 2}, context)
    first = metric_documents()
    handler({"orders": 1}, context)
    second = metric_documents()

    cold = [d for d in first if "ColdStart" in d]
    assert len(cold) == 1 and cold[0]["function_name"] == "shop-OrdersFunction-abc"
    assert cold[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["function_name", "service"]]
    business = [d for d in first if "ColdStart" not in d]
    assert len(business) == 1 and business[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    assert totals(business) == Counter(OrdersCreated=2) and business[0]["service"] == "shop"
    assert len(second) == 1 and totals(second) == Counter(OrdersCreated=1)  # its own; no cold start


def test_metrics_are_flushed_when_the_handler_raises(
    metric_documents: Callable[[], list[dict[str, Any]]],
) -> None:
    @observed
    def handler(event: dict[str, Any], context: Any) -> None:
        count("AccessTokensRefused")
        raise RuntimeError("Unauthorized")

    with pytest.raises(RuntimeError):
        handler({}, LambdaContext("shop-AuthorizerFunction-abc"))
    assert totals(metric_documents()) == Counter(AccessTokensRefused=1)


class FullLimiter:
    def take(self, bucket: str, limit: Any, now: int) -> Any:
        raise RateLimited(retry_after_seconds=30)

    def hold(self, bucket: str, limit: Any, now: int) -> Any:
        raise RateLimited(retry_after_seconds=30)


class RoomyAddress:
    def wait(self) -> int:
        return 0


def test_a_refused_client_is_counted_as_rate_limited(business_metrics: Callable[[], Counter[str]]) -> None:
    limits = ClientLimits(cast(RateLimiter, FullLimiter()))
    with pytest.raises(RateLimited):
        limits.take_registration("192.0.2.1")
    with pytest.raises(RateLimited):
        limits.hold_login("index", "192.0.2.1", cast(Room, RoomyAddress()))
    assert business_metrics() == Counter(RateLimited=2)


def test_every_counted_name_is_a_declared_business_metric() -> None:
    """The alarms name these metrics exactly; `count` only takes declared names (mypy checks calls)."""
    declared = set(get_args(observability.BusinessMetric))
    required = {
        "OrdersCreated",
        "PaymentsSucceeded",
        "PaymentsFailed",
        "RefundsPending",
        "RefundsCompleted",
        "EmailsSent",
        "EmailsFailed",
        "LoginFailures",
        "OutOfStockRefusals",
        "ReservationsExpired",
        "RateLimited",
        "TokenReuseDetected",
    }
    assert required <= declared
    counted: set[str] = set()
    for root in (Path(observability.__file__).parent, Path(__file__).parents[3] / "functions"):
        for path in root.rglob("*.py"):
            counted |= _counted_names(path.read_text())
    assert counted <= declared and required <= counted


def _counted_names(source: str) -> set[str]:
    """The names that `count(...)` calls give (a constant, or either constant of a conditional)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "count"
            and node.args
        ):
            named = node.args[0]
            choices = [named.body, named.orelse] if isinstance(named, ast.IfExp) else [named]
            names |= {c.value for c in choices if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return names
