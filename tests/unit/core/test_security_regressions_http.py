"""Regressions found by the OWASP suite (tests/security) in the shared HTTP glue (shop.api.app).

1. JSON nested deeper than the parser's stack crashed the function (RecursionError -> 502 from the
   gateway): any nesting beyond MAX_JSON_DEPTH is now a 400 VALIDATION_ERROR, decided iteratively.
2. A guest or customer calling an admin route (or a guest calling checkout) with a malformed body
   got a 400 naming the route's fields, 413 or 415, instead of API.md's 403: the role is now
   decided before the input is read, from the route's own access declaration (shop.api.access).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN, MEMBERS, USERS, declare
from shop.api.app import MAX_JSON_DEPTH
from shop.api.models import RequestModel, ResponseModel


class Thing(RequestModel):
    name: str


class Done(ResponseModel):
    name: str


router = Router()


@router.post("/admin/things", openapi_extensions=ADMIN)
def admin_thing(body: Annotated[Thing, Body()]) -> Done:
    return Done(name=body.name)


@router.post("/checkout", openapi_extensions=MEMBERS)
def checkout(body: Annotated[Thing, Body()]) -> Done:
    return Done(name=body.name)


@router.post("/cart/items", openapi_extensions=USERS)
def add_item(body: Annotated[Thing, Body()]) -> Done:
    return Done(name=body.name)


handler = lambda_entry(make_app(router))


class Context:
    function_name = "things"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:things"
    aws_request_id = "req-1"


def call(path: str, body: str, role: str | None, content_type: str = "application/json") -> tuple[int, Any]:
    authorizer = {"user_id": "u_1", "role": role, "principalId": "u_1"} if role else {}
    event = {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": {"Content-Type": content_type},
        "multiValueHeaders": {"Content-Type": [content_type]},
        "queryStringParameters": None,
        "requestContext": {"requestId": "r-1", "authorizer": authorizer, "stage": "prod"},
        "body": body,
        "isBase64Encoded": False,
    }
    result = handler(event, Context())
    return result["statusCode"], json.loads(result["body"])


def nested(depth: int) -> str:
    return '{"name": "x", "extra": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, 100, 990, 5000, 20_000])
def test_deep_nesting_is_a_400_never_a_crash(depth: int) -> None:
    status, body = call("/cart/items", nested(depth), "guest")
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "body"


def test_shallow_bodies_still_reach_the_route() -> None:
    assert call("/cart/items", json.dumps({"name": "teapot"}), "guest") == (200, {"name": "teapot"})
    status, body = call("/cart/items", nested(2), "guest")
    assert (status, body["error"]["details"][0]["field"]) == (400, "body.extra")  # the model's own verdict


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{}", "application/json"), ('{"unknown": 1}', "application/json"), ("{", "application/json"),
     ("x", "text/plain"), ("x" * (65 * 1024), "application/json"), (nested(100), "application/json")],
    ids=["empty", "unknown-field", "not-json", "media-type", "too-large", "too-deep"],
)  # fmt: skip
def test_a_forbidden_role_is_a_403_whatever_the_body(body: str, content_type: str) -> None:
    for role in ("guest", "customer"):
        status, answer = call("/admin/things", body, role, content_type)
        assert (status, answer["error"]["code"], answer["error"]["details"]) == (403, "FORBIDDEN", None)
    status, answer = call("/checkout", body, "guest", content_type)
    assert (status, answer["error"]["code"]) == (403, "LOGIN_REQUIRED")


def test_allowed_roles_and_anonymous_calls_are_decided_as_before() -> None:
    assert call("/admin/things", '{"name": "a"}', "admin") == (200, {"name": "a"})
    assert call("/admin/things", "{}", "admin")[0] == 400
    assert call("/checkout", '{"name": "c"}', "customer") == (200, {"name": "c"})
    status, answer = call("/admin/things", '{"name": "a"}', None)
    assert (status, answer["error"]["code"]) == (401, "UNAUTHORIZED")
    status, answer = call("/admin/things", '{"name": "a"}', "superuser")
    assert (status, answer["error"]["code"]) == (401, "UNAUTHORIZED")


def test_a_route_without_an_access_declaration_stops_the_function_at_cold_start() -> None:
    undeclared = Router()

    @undeclared.get("/open-by-omission")
    def open_by_omission() -> Done:
        return Done(name="x")

    with pytest.raises(TypeError, match="does not declare who may call it"):
        lambda_entry(make_app(undeclared))


def test_every_answer_is_uncacheable_unless_the_route_says_otherwise() -> None:
    event_router = Router()

    @event_router.get("/cacheable", openapi_extensions=declare("anonymous"))
    def cacheable() -> Any:
        from aws_lambda_powertools.event_handler import Response

        return Response(200, "application/json", "{}", {"Cache-Control": "public, max-age=60"})

    cache_handler = lambda_entry(make_app(event_router))
    event = {"resource": "/cacheable", "path": "/cacheable", "httpMethod": "GET", "headers": {},
             "multiValueHeaders": {}, "queryStringParameters": None, "body": None, "isBase64Encoded": False,
             "requestContext": {"requestId": "r-2", "authorizer": {}, "stage": "prod"}}  # fmt: skip
    assert cache_handler(event, Context())["multiValueHeaders"]["Cache-Control"] == ["public, max-age=60"]
    event = {**event, "httpMethod": "POST", "resource": "/admin/things", "path": "/admin/things",
             "body": '{"name": "n"}', "headers": {"Content-Type": "application/json"},
             "requestContext": {"requestId": "r-3", "authorizer": {"user_id": "u", "role": "admin"}}}  # fmt: skip
    assert handler(event, Context())["multiValueHeaders"]["Cache-Control"] == ["no-store"]
