"""Lambda authorizers as API Gateway calls and caches them (time is controlled by the test)."""

import pytest

from shop_local.api_gateway.authorizers import AuthorizerConfig, Authorizers, Outcome, template_authorizers

ARN_GET = "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/products"
ARN_POST = "arn:aws:execute-api:us-east-1:123456789012:api/prod/POST/products"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class FakeAuthorizer:
    """Allows GET only, for the token "good"; raises Unauthorized otherwise."""

    def __init__(self):
        self.events = []

    def __call__(self, function_id, event):
        self.events.append(event)
        token = event.get("authorizationToken") or (event.get("headers") or {}).get("Authorization")
        if token in (None, "anonymous-ok"):
            return _policy("anonymous", "*", {"role": "anonymous"})
        if token == "crash":
            raise RuntimeError("table not found")
        if token != "good":
            raise Exception("Unauthorized")
        return _policy("u1", "arn:aws:execute-api:*:*:*/*/GET/*", {"user_id": "u1", "role": "customer"})


def _policy(principal, resource, context):
    statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}
    return {"principalId": principal, "policyDocument": {"Statement": [statement]}, "context": context}


def make(ttl=60, kind="TOKEN", **config):
    clock, fake = Clock(), FakeAuthorizer()
    configs = {"Auth": AuthorizerConfig("Auth", "AuthorizerFunction", kind, ttl_seconds=ttl, **config)}
    return Authorizers(configs, fake, clock), fake, clock


def decide(authorizers, headers, arn=ARN_GET, query=None):
    def request_event():
        return {"type": "REQUEST", "methodArn": arn, "headers": headers}

    return authorizers.decide("Auth", arn, headers, query or {}, request_event)


def test_token_authorizer_gets_the_token_and_method_arn_and_passes_context():
    authorizers, fake, _ = make()
    decision = decide(authorizers, {"authorization": "good"})
    assert decision.outcome is Outcome.ALLOW
    assert fake.events == [{"type": "TOKEN", "authorizationToken": "good", "methodArn": ARN_GET}]
    assert decision.context["principalId"] == "u1"
    assert decision.context["user_id"] == "u1" and decision.context["role"] == "customer"
    assert isinstance(decision.context["integrationLatency"], int)


def test_missing_token_is_unauthorized_without_calling_the_function():
    authorizers, fake, _ = make()
    assert decide(authorizers, {}).outcome is Outcome.UNAUTHORIZED
    assert decide(authorizers, {"Authorization": ""}).outcome is Outcome.UNAUTHORIZED
    assert fake.events == []


def test_validation_expression_refuses_before_calling():
    authorizers, fake, _ = make(validation_expression=r"Bearer .+")
    assert decide(authorizers, {"Authorization": "good"}).outcome is Outcome.UNAUTHORIZED
    assert fake.events == []


def test_the_authorizers_refusal_is_unauthorized():
    authorizers, _, _ = make()
    assert decide(authorizers, {"Authorization": "bad"}).outcome is Outcome.UNAUTHORIZED


def test_a_crash_of_the_authorizer_is_a_500_as_on_api_gateway():
    from shop_local.api_gateway.responses import GatewayResponses
    from shop_local.lambda_runtime.containers import FunctionFailed

    authorizers, _, _ = make()
    decision = decide(authorizers, {"Authorization": "crash"})
    assert decision.outcome is Outcome.FAILURE
    assert GatewayResponses().render(decision.outcome.value, "r1").status == 500

    def crashed_container(function_id, event):  # the local runtime wraps what the handler raised
        try:
            raise RuntimeError("boom")
        except RuntimeError as exc:
            raise FunctionFailed("AuthorizerFunction: RuntimeError: boom") from exc

    crashing = Authorizers({"Auth": AuthorizerConfig("Auth", "F", "TOKEN", ttl_seconds=0)}, crashed_container)
    assert decide(crashing, {"Authorization": "x"}).outcome is Outcome.FAILURE


def test_cached_policy_is_reused_within_ttl_and_checked_against_each_new_arn():
    authorizers, fake, clock = make(ttl=60)
    assert decide(authorizers, {"Authorization": "good"}).outcome is Outcome.ALLOW
    clock.now += 59
    denied = decide(authorizers, {"Authorization": "good"}, ARN_POST)
    assert denied.outcome is Outcome.ACCESS_DENIED
    assert denied.message == "User is not authorized to access this resource"
    assert len(fake.events) == 1  # the second request was decided from the cache
    cached = decide(authorizers, {"Authorization": "good"})
    assert cached.outcome is Outcome.ALLOW and cached.context["integrationLatency"] == 0
    clock.now += 2  # past the TTL: the function is asked again
    decide(authorizers, {"Authorization": "good"})
    assert len(fake.events) == 2


def test_cache_is_per_token():
    authorizers, fake, _ = make(ttl=300)
    decide(authorizers, {"Authorization": "good"})
    decide(authorizers, {"Authorization": "bad"})
    decide(authorizers, {"Authorization": "bad"})
    assert [e["authorizationToken"] for e in fake.events] == ["good", "bad", "bad"]  # failures are not cached


def test_ttl_zero_calls_every_time():
    authorizers, fake, _ = make(ttl=0)
    decide(authorizers, {"Authorization": "good"})
    decide(authorizers, {"Authorization": "good"})
    assert len(fake.events) == 2


def test_request_authorizer_without_identity_sources_gets_the_request_event():
    authorizers, fake, _ = make(ttl=0, kind="REQUEST")
    decision = decide(authorizers, {"X-Other": "1"})
    assert decision.outcome is Outcome.ALLOW and decision.context["role"] == "anonymous"
    assert fake.events[0]["type"] == "REQUEST" and fake.events[0]["methodArn"] == ARN_GET


def test_request_authorizer_with_caching_needs_its_identity_sources():
    authorizers, fake, _ = make(ttl=60, kind="REQUEST", identity_headers=("Authorization",))
    assert decide(authorizers, {}).outcome is Outcome.UNAUTHORIZED
    assert fake.events == []
    assert decide(authorizers, {"Authorization": "anonymous-ok"}).outcome is Outcome.ALLOW
    assert decide(authorizers, {"Authorization": "anonymous-ok"}).outcome is Outcome.ALLOW
    assert len(fake.events) == 1


def test_explicit_deny_message():
    def deny_all(function_id, event):
        statement = {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "*"}
        return {"principalId": "x", "policyDocument": {"Statement": [statement]}}

    authorizers = Authorizers({"Auth": AuthorizerConfig("Auth", "F", "TOKEN")}, deny_all)
    decision = decide(authorizers, {"Authorization": "t"})
    assert decision.outcome is Outcome.ACCESS_DENIED
    assert "explicit deny" in decision.message


def test_a_malformed_answer_is_a_configuration_error():
    authorizers = Authorizers({"Auth": AuthorizerConfig("Auth", "F", "TOKEN")}, lambda f, e: {"nope": 1})
    assert decide(authorizers, {"Authorization": "t"}).outcome is Outcome.CONFIGURATION_ERROR


@pytest.mark.parametrize("missing", [None, {}])
def test_template_authorizers_read_sam_syntax(missing):
    api = {
        "Type": "AWS::Serverless::Api",
        "Properties": {
            "Auth": {
                "Authorizers": {
                    "BearerAuth": {
                        "FunctionArn": {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]},
                        "FunctionPayloadType": "TOKEN",
                        "Identity": {"Header": "Authorization", "ReauthorizeEvery": 60},
                    },
                    "OptionalAuth": {
                        "FunctionArn": {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]},
                        "FunctionPayloadType": "REQUEST",
                        "Identity": missing if missing is not None else {"ReauthorizeEvery": 0},
                    },
                }
            }
        },
    }
    configs = template_authorizers({"Resources": {"ShopApi": api}}, "ShopApi")
    assert configs["BearerAuth"] == AuthorizerConfig("BearerAuth", "AuthorizerFunction", "TOKEN", 60)
    assert configs["OptionalAuth"].kind == "REQUEST"
    assert configs["OptionalAuth"].ttl_seconds == (300 if missing == {} else 0)
