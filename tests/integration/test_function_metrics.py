"""Business metrics as the functions emit them on AWS: one EMF document per invocation on stdout, in
the ServerlessShop namespace with the single dimension `service`, plus ColdStart on a cold start."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.metrics.provider import cold_start

from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.provisioning.stack import load_function

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).resolve().parents[2] / "events"


def sample(name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    if body is not None:
        loaded["body"] = json.dumps(body)
    return loaded


def cold_invocation(stack: Any, logical_id: str, event: dict[str, Any], capsys: Any) -> list[dict[str, Any]]:
    """A new container's first invocation; the EMF documents it printed."""
    handler = load_function(stack, logical_id)
    cold_start.is_cold_start = True
    capsys.readouterr()
    try:
        handler(event, LambdaContext(stack.function(logical_id).function_name))
    except Exception as exc:  # the authorizer refuses by raising, as API Gateway wants
        assert str(exc) == "Unauthorized"
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def business(documents: list[dict[str, Any]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for document in documents:
        directive = document["_aws"]["CloudWatchMetrics"][0]
        if directive["Dimensions"] == [["service"]]:
            assert directive["Namespace"] == "ServerlessShop" and document["service"] == "shop"
            for metric in directive["Metrics"]:
                counts[metric["Name"]] += int(sum(document[metric["Name"]]))
    return counts


def cold_starts(documents: list[dict[str, Any]]) -> list[str]:
    return [str(d["function_name"]) for d in documents if "ColdStart" in d]


def test_a_registration_and_a_failed_login_are_counted_by_their_functions(stack: Any, capsys: Any) -> None:
    email = f"metrics-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "correct horse battery", "name": "Ann"}
    registered = cold_invocation(stack, "RegisterFunction", sample("auth/register.json", body), capsys)
    assert business(registered) == Counter(UsersRegistered=1)
    assert cold_starts(registered) == [stack.function("RegisterFunction").function_name]

    wrong = {"email": email, "password": "not the password"}
    failed = cold_invocation(stack, "LoginFunction", sample("auth/login.json", wrong), capsys)
    assert business(failed) == Counter(LoginFailures=1)
    assert cold_starts(failed) == [stack.function("LoginFunction").function_name]


def test_a_refused_access_token_is_counted_by_the_authorizer(stack: Any, capsys: Any) -> None:
    event = sample("auth/authorizer_token.json") | {"authorizationToken": "Bearer not-a-token"}
    documents = cold_invocation(stack, "AuthorizerFunction", event, capsys)
    assert business(documents) == Counter(AccessTokensRefused=1)
    assert cold_starts(documents) == []  # a raising handler has no ColdStart metric (powertools)
