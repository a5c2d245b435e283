"""An authorizer's policy, read the way API Gateway reads it."""

import pytest

from shop_local.api_gateway.policies import AuthorizerConfigurationError, Verdict, read_answer

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products/42"


def answer(*statements, context=None):
    return read_answer(
        {
            "principalId": "u1",
            "policyDocument": {"Version": "2012-10-17", "Statement": list(statements)},
            "context": context or {},
        }
    )


def allow(resource, action="execute-api:Invoke"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


@pytest.mark.parametrize(
    "resource",
    [
        ARN,
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products/4?",
        "*",
    ],
)
def test_allow_matches_with_aws_wildcards(resource):
    assert answer(allow(resource)).verdict(ARN) is Verdict.ALLOW


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products/4",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products/?",
        "arn:aws:execute-api:us-east-1:123456789012:ABC123/prod/*",
    ],
)
def test_a_resource_that_does_not_cover_the_method_arn_denies(resource):
    assert answer(allow(resource)).verdict(ARN) is Verdict.DENY


def test_explicit_deny_wins_over_allow():
    deny = {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": ARN}
    assert answer(allow("*"), deny).verdict(ARN) is Verdict.EXPLICIT_DENY


def test_action_must_cover_invoke_case_insensitively():
    assert answer(allow("*", "execute-api:*")).verdict(ARN) is Verdict.ALLOW
    assert answer(allow("*", ["EXECUTE-API:invoke"])).verdict(ARN) is Verdict.ALLOW
    assert answer(allow("*", "execute-api:ManageConnections")).verdict(ARN) is Verdict.DENY


def test_a_single_statement_object_is_accepted():
    result = read_answer({"principalId": "u1", "policyDocument": {"Statement": allow(ARN)}})
    assert result.verdict(ARN) is Verdict.ALLOW


def test_context_values_become_strings_as_in_the_proxy_event():
    result = answer(allow("*"), context={"user_id": "u1", "admin": True, "n": 3, "gone": None})
    assert result.context == {"user_id": "u1", "admin": "true", "n": "3"}


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {"policyDocument": {"Statement": []}},
        {"principalId": "u1"},
        {"principalId": "u1", "policyDocument": {"Statement": "nope"}},
        {"principalId": "u1", "policyDocument": {"Statement": []}, "context": {"nested": {"a": 1}}},
    ],
)
def test_malformed_answers_are_configuration_errors(raw):
    with pytest.raises(AuthorizerConfigurationError):
        read_answer(raw)
