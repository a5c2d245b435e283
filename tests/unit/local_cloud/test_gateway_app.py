"""The gateway end to end in-process: routes, authorizer, gateway responses, failures, containers, logs."""

import json
import threading
import time
from pathlib import Path

import pytest
from werkzeug.test import Client

from shop_local.api_gateway.authorizers import Authorizers, template_authorizers
from shop_local.api_gateway.events import ApiInfo
from shop_local.api_gateway.gateway import Gateway
from shop_local.api_gateway.responses import GatewayResponses
from shop_local.api_gateway.routes import template_routes
from shop_local.lambda_runtime.containers import Functions
from shop_local.lambda_runtime.functions import FunctionSpec

NOT_FOUND = '{"error": {"code": "NOT_FOUND", "message": "No such route.", "details": null}}'
UNAUTHORIZED = (
    '{"error": {"code": "UNAUTHORIZED", "message": "A valid access token is required.", "details": null}}'
)
INTERNAL = '{"error": {"code": "INTERNAL", "message": "Failed.", "details": null}}'


def api_event(path, method="get", auth=None):
    props = {"RestApiId": {"Ref": "Api"}, "Path": path, "Method": method}
    if auth:
        props["Auth"] = {"Authorizer": auth}
    return {"Api": {"Type": "Api", "Properties": props}}


TEMPLATE = {
    "Resources": {
        "Api": {
            "Type": "AWS::Serverless::Api",
            "Properties": {
                "StageName": "prod",
                "Auth": {
                    "DefaultAuthorizer": "Bearer",
                    "Authorizers": {
                        "Bearer": {
                            "FunctionArn": {"Fn::GetAtt": ["Authorizer", "Arn"]},
                            "Identity": {"ReauthorizeEvery": 0},
                        }
                    },
                },
                "GatewayResponses": {
                    "UNAUTHORIZED": {
                        "StatusCode": 401,
                        "ResponseTemplates": {"application/json": UNAUTHORIZED},
                    },
                    "MISSING_AUTHENTICATION_TOKEN": {
                        "StatusCode": 404,
                        "ResponseTemplates": {"application/json": NOT_FOUND},
                    },
                    "DEFAULT_5XX": {"ResponseTemplates": {"application/json": INTERNAL}},
                },
            },
        },
        **{
            name: {"Type": "AWS::Serverless::Function", "Properties": {"Events": events}}
            for name, events in {
                "Echo": api_event("/echo/{id}", "any", "NONE"),
                "Private": api_event("/private"),
                "Crash": api_event("/crash", auth="NONE"),
                "Slow": api_event("/slow", auth="NONE"),
                "Malformed": api_event("/malformed", auth="NONE"),
                "Authorizer": {},
            }.items()
        },
    }
}


def echo(event, context):
    headers = {"X-Request-Id": event["headers"].get("X-Request-Id", "none")}
    return {
        "statusCode": 200,
        "headers": headers,
        "body": json.dumps({"event": event, "fn": context.function_name}),
    }


def crash(event, context):
    raise ValueError("boom")


def slow(event, context):
    time.sleep(3)
    return {"statusCode": 200, "body": "late"}


def authorizer(event, context):
    if event["authorizationToken"] != "Bearer good":
        raise Exception("Unauthorized")
    resource = event["methodArn"]
    statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}
    return {
        "principalId": "u1",
        "policyDocument": {"Statement": [statement]},
        "context": {"user_id": "u1", "role": "admin"},
    }


HANDLERS = {
    "Echo": echo,
    "Private": echo,
    "Crash": crash,
    "Slow": slow,
    "Malformed": lambda e, c: {"statusCode": 200, "body": {"not": "text"}},
    "Authorizer": authorizer,
}


def body(response):
    return json.loads(response.get_data())


def spec(logical_id):
    return FunctionSpec(logical_id, f"fn-{logical_id}", Path("."), "x.handler", timeout=1)


@pytest.fixture
def gateway():
    functions = Functions([spec(name) for name in HANDLERS], loader=lambda s: HANDLERS[s.logical_id])
    app = Gateway(
        routes=template_routes(TEMPLATE),
        api=ApiInfo("api123"),
        functions=functions,
        authorizers=Authorizers(template_authorizers(TEMPLATE, "Api"), functions.invoke),
        responses=GatewayResponses.from_template(TEMPLATE, "Api"),
    )
    app.ready.set()
    return app


def test_route_reaches_the_handler_with_a_proxy_event(gateway):
    response = Client(gateway).post("/echo/42?x=1", json={"a": 1}, headers={"X-Request-Id": "mine"})
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "mine"
    event = body(response)["event"]
    assert event["pathParameters"] == {"id": "42"} and event["httpMethod"] == "POST"
    assert json.loads(event["body"]) == {"a": 1}
    assert body(response)["fn"] == "fn-Echo"


def test_unknown_route_and_method_give_the_templates_missing_token_response(gateway):
    for response in (Client(gateway).get("/nope"), Client(gateway).post("/private")):
        assert response.status_code == 404
        assert response.get_data(as_text=True) == NOT_FOUND
        assert response.headers["X-Request-Id"]


def test_missing_or_bad_token_is_401_with_the_contract_body(gateway):
    for headers in ({}, {"Authorization": "Bearer bad"}):
        response = Client(gateway).get("/private", headers={**headers, "X-Request-Id": "r1"})
        assert response.status_code == 401
        assert response.get_data(as_text=True) == UNAUTHORIZED
        assert response.headers["X-Request-Id"] == "r1"


def test_allowed_request_carries_the_authorizer_context(gateway):
    response = Client(gateway).get("/private", headers={"Authorization": "Bearer good"})
    assert response.status_code == 200
    authorizer = body(response)["event"]["requestContext"]["authorizer"]
    assert (
        authorizer["principalId"] == "u1" and authorizer["user_id"] == "u1" and authorizer["role"] == "admin"
    )


@pytest.mark.parametrize("path", ["/crash", "/slow", "/malformed"])
def test_failing_handlers_give_502_with_the_default_5xx_body(gateway, path):
    started = time.monotonic()
    response = Client(gateway).get(path)
    assert response.status_code == 502
    assert response.get_data(as_text=True) == INTERNAL
    assert response.headers["X-Request-Id"]
    assert time.monotonic() - started < 2.5  # the 1 s Timeout, not the handler's 3 s


def test_untemplated_gateway_responses_use_api_gateway_defaults():
    responses = GatewayResponses()
    denied = responses.render("ACCESS_DENIED", "r")
    assert denied.status == 403
    assert json.loads(denied.body) == {"message": "User is not authorized to access this resource"}
    assert responses.render("MISSING_AUTHENTICATION_TOKEN", "r").status == 403
    assert json.loads(responses.render("INTEGRATION_FAILURE", "r").body) == {
        "message": "Internal server error"
    }


def test_too_large_body_is_413(gateway):
    response = Client(gateway).post("/echo/1", data=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert json.loads(response.get_data()) == {"message": "Request Too Long"}


def test_health_is_503_until_ready(gateway):
    gateway.ready.clear()
    assert Client(gateway).get("/health").status_code == 503
    gateway.ready.set()
    assert Client(gateway).get("/health").json == {"status": "ok"}


def test_the_gateways_own_pages_carry_a_request_id_too(gateway):
    """API.md: every response carries X-Request-Id, echoing the client's."""
    assert Client(gateway).get("/health", headers={"X-Request-Id": "mine"}).headers["X-Request-Id"] == "mine"
    long_id = "r" * 300
    assert (
        Client(gateway).get("/health", headers={"X-Request-Id": long_id}).headers["X-Request-Id"] == long_id
    )
    assert Client(gateway).get("/health").headers["X-Request-Id"]


def test_access_log_line_per_request_without_secrets(gateway, capsys):
    Client(gateway).get("/private?token=x", headers={"Authorization": "Bearer good"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if '"status"' in line]
    assert len(lines) == 1
    line = lines[0]
    assert {"time", "request_id", "ip", "method", "path", "status", "latency_ms", "function"} <= set(line)
    assert line["path"] == "/private" and line["status"] == 200 and line["function"] == "Private"
    assert line["function_name"] == "fn-Private"  # as the function's own log lines name it
    assert "good" not in json.dumps(line)


def test_concurrent_requests_never_share_a_container():
    overlaps = []

    def load(spec):
        busy = threading.Lock()

        def handler(event, context):
            if not busy.acquire(blocking=False):
                overlaps.append(spec.logical_id)
                return {"statusCode": 500, "body": ""}
            try:
                time.sleep(0.2)
                return {"statusCode": 200, "body": ""}
            finally:
                busy.release()

        return handler

    functions = Functions([spec("Echo")], loader=load)
    threads = [threading.Thread(target=functions.invoke, args=("Echo", {})) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    assert functions.pools["Echo"].containers == 4
    functions.invoke("Echo", {})
    assert functions.pools["Echo"].containers == 4  # warm containers are reused
