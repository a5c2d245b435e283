"""The abuse controls that only AWS enforces, as template.yaml declares them (the local stack does
not emulate stage throttles, WAF or reserved concurrency, so this is where they are held to)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shop_local.provisioning.stack import Stack
from shop_local.provisioning.template import find_template, load_template

AUTH_ROUTES = ("/~1auth~1login", "/~1auth~1register", "/~1auth~1guest")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(find_template())


def stack(template: dict[str, Any], **parameters: str) -> Stack:
    declared = {name: str(spec.get("Default")) for name, spec in template["Parameters"].items()}
    built = Stack(template, "http://x", base_dir=Path("/"))
    built.parameters = declared | parameters
    return built


def test_the_stage_has_a_default_throttle_and_a_tighter_one_per_anonymous_auth_route(
    template: dict[str, Any],
) -> None:
    settings = stack(template).resolve(template["Resources"]["ShopApi"]["Properties"]["MethodSettings"])
    by_path = {(s["ResourcePath"], s["HttpMethod"]): s for s in settings}
    default = by_path[("/*", "*")]
    for route in AUTH_ROUTES:
        tight = by_path[(route, "POST")]
        assert int(tight["ThrottlingRateLimit"]) < int(default["ThrottlingRateLimit"])
        assert int(tight["ThrottlingBurstLimit"]) < int(default["ThrottlingBurstLimit"])


def test_a_waf_rate_rule_per_ip_guards_the_stage_unless_switched_off(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    acl, association = resources["ApiWebAcl"], resources["ApiWebAclAssociation"]
    assert acl["Properties"]["Scope"] == "REGIONAL"
    (rule,) = acl["Properties"]["Rules"]
    assert rule["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("/restapis/${ShopApi}/stages/${ShopApi.Stage}")
    assert acl["Condition"] == association["Condition"] == "WafEnabled"
    assert stack(template).condition("WafEnabled")
    assert not stack(template, EnableWaf="false").condition("WafEnabled")


def test_the_authorizer_keeps_its_own_concurrency_and_argon2_routes_are_capped(
    template: dict[str, Any],
) -> None:
    def reserved(function: str, **parameters: str) -> Any:
        declared = template["Resources"][function]["Properties"].get("ReservedConcurrentExecutions")
        return stack(template, **parameters).resolve({"value": declared}).get("value")

    assert int(reserved("AuthorizerFunction")) > 0
    assert int(reserved("LoginFunction")) > 0 and int(reserved("RegisterFunction")) > 0
    off = {
        "AuthorizerReservedConcurrency": "0",
        "LoginConcurrencyLimit": "0",
        "RegisterConcurrencyLimit": "0",
    }
    assert [reserved(f, **off) for f in ("AuthorizerFunction", "LoginFunction", "RegisterFunction")] == [
        None
    ] * 3


@pytest.mark.parametrize("function", ["GuestTokenFunction", "RegisterFunction", "LoginFunction"])
def test_each_limited_function_may_count_in_the_rate_limits_table(
    template: dict[str, Any], function: str
) -> None:
    statements = [
        statement
        for policy in template["Resources"][function]["Properties"]["Policies"]
        if isinstance(policy, dict) and "Statement" in policy
        for statement in policy["Statement"]
    ]
    counting = [s for s in statements if s["Resource"] == {"Fn::GetAtt": ["RateLimitsTable", "Arn"]}]
    checks_first = (
        {"dynamodb:BatchGetItem"} if function == "LoginFunction" else set()
    )  # both buckets, one read
    assert counting and set(counting[0]["Action"]) == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        *checks_first,
    }
