"""The local cloud for integration tests: one emulator and the repo's template.yaml, per session.

The test process gets the environment a function would get (AWS_ENDPOINT_URL, fake credentials,
every function's variables), so `shop.config.settings()` and `shop.adapters.aws.client()` point
at the emulator exactly as they would inside the Lambda.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from shop_local.engines.emulator import Emulator, start_emulator
from shop_local.iam.record import Recorder
from shop_local.lambda_runtime.containers import FunctionPool
from shop_local.provisioning.provision import Stack, provision
from shop_local.provisioning.template import find_template, load_template

# Another template (e.g. a scratch copy) can be provisioned instead of the repo's.
TEMPLATE = Path(os.environ.get("SHOP_LOCAL_TEMPLATE", "template.yaml"))


def _forget_cached_clients() -> None:
    from shop.adapters.aws import client
    from shop.config import settings

    client.cache_clear()
    settings.cache_clear()


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(values)
    _forget_cached_clients()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        _forget_cached_clients()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    running = start_emulator()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def aws_environment(emulator: Emulator) -> Iterator[dict[str, str]]:
    """boto3 in the test process talks to the emulator, with fake credentials."""
    values = {
        "AWS_ENDPOINT_URL": emulator.url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
    with _environment(values):
        yield values


@pytest.fixture(scope="session")
def stack(emulator: Emulator, aws_environment: dict[str, str], iam_check: Recorder | None) -> Iterator[Stack]:
    """template.yaml provisioned, and every function's environment variable set in the test process;
    the handlers' AWS calls are held against their policies (tests/conftest.py's `iam_check`)."""
    provisioned = provision(load_template(TEMPLATE), emulator.url, base_dir=find_template(TEMPLATE).parent)
    if iam_check is not None:
        iam_check.describe(provisioned)
    values = provisioned.globals_environment()
    for function in provisioned.functions():
        values.update(function.environment)
    with _environment(values):
        yield provisioned


Call = Callable[..., tuple[int, Any]]
CATALOG_SAMPLES = {
    "CreateCategoryFunction": "catalog/create_category.json",
    "CreateProductFunction": "catalog/create_product.json",
    "AdjustStockFunction": "inventory/adjust_stock.json",
}


@pytest.fixture(scope="session")
def handler_calls(
    stack: Stack, sample_event: Callable[..., dict[str, Any]]
) -> Callable[[dict[str, str]], Call]:
    """`handler_calls(samples)` -> `call(function, *, user, role, body, key, path)`: the function
    (a key of `samples`, the logical id -> its events/ sample, or one of CATALOG_SAMPLES) invoked
    through a warm pool."""

    def calls(given: dict[str, str]) -> Call:
        samples = CATALOG_SAMPLES | given
        pools = {name: FunctionPool(stack.function(name)) for name in samples}

        def call(
            function: str,
            *,
            user: str = "admin-1",
            role: str = "admin",
            body: Any = None,
            key: str | None = None,
            path: dict[str, str] | None = None,
        ) -> tuple[int, Any]:
            event = sample_event(samples[function], user=user, role=role, body=body, key=key, path=path)
            answer = pools[function].invoke(event)
            return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None

        return call

    return calls


def _stocked_product(call: Call, stock: int, tag: str) -> str:
    """A new ACTIVE product (in a new category) with `stock` available, made through the handlers."""
    slug = f"{tag}-{uuid.uuid4().hex[:8]}"
    status, category = call("CreateCategoryFunction", body={"name": tag.title(), "slug": slug})
    assert status == 201, category
    body = {"sku": f"{tag.upper()}-{uuid.uuid4().hex[:8]}", "name": "Lamp", "price_cents": 1200}
    status, made = call(
        "CreateProductFunction", body=body | {"category_id": category["id"], "status": "ACTIVE"}
    )
    assert status == 201, made
    adjusted = call(
        "AdjustStockFunction", path={"product_id": made["id"]}, body={"delta": stock, "reason": "t"}
    )
    assert adjusted[0] == 200, adjusted
    return str(made["id"])


@pytest.fixture(scope="session")
def stocked_product() -> Callable[[Call, int, str], str]:
    return _stocked_product
