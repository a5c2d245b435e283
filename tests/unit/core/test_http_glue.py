"""The shared HTTP glue answers every malformed request with the contract's 4xx error body."""

import json
from typing import Annotated

import pytest
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import Field

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.models import RequestModel, ResponseModel
from shop.errors import InsufficientStock, RateLimited


class ThingIn(RequestModel):
    name: str = Field(min_length=1)
    quantity: int


class ThingOut(ResponseModel):
    name: str


router = Router()


@router.post("/things", openapi_extensions=ANYONE)
def create_thing(
    body: Annotated[ThingIn, Body()], limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> tuple[ThingOut, int]:
    if body.name == "conflict":
        raise InsufficientStock(details={"available": 0})
    if body.name == "slow":
        raise RateLimited(retry_after_seconds=42)
    if body.name == "crash":
        raise RuntimeError("secret internals")
    return ThingOut(name=body.name), 201


@router.post("/things/<thing_id>/archive", openapi_extensions=ANYONE)
def archive_thing(thing_id: str) -> ThingOut:
    return ThingOut(name=thing_id)


class Context:
    function_name = "things"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:things"
    aws_request_id = "req-1"


handler = lambda_entry(make_app(router))


def call(body, content_type="application/json", query=None, request_id=None, resource="/things", path=None):
    headers = {"Content-Type": content_type}
    if request_id:
        headers["X-Request-Id"] = request_id
    event = {
        "resource": resource,
        "path": path or resource,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": {"thing_id": path.rsplit("/", 2)[1]} if path else None,
        "stageVariables": None,
        "requestContext": {
            "requestId": "gw-1",
            "resourcePath": resource,
            "httpMethod": "POST",
            "stage": "prod",
        },
        "body": body,
        "isBase64Encoded": False,
    }
    result = handler(event, Context())
    return result["statusCode"], json.loads(result["body"]), result["multiValueHeaders"]


def test_valid_request_is_created_and_carries_request_id():
    status, body, headers = call('{"name": "pen", "quantity": 2}', request_id="client-7")
    assert (status, body) == (201, {"name": "pen"})
    assert headers["X-Request-Id"] == ["client-7"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"name": "pen", "quantity": 2, "role": "admin"}', "body.role"),
        ('{"name": "pen", "quantity": "2"}', "body.quantity"),
        ('{"name": "pen", "quantity": 2.5}', "body.quantity"),
        ('{"name": "", "quantity": 2}', "body.name"),
        ('{"quantity": 2}', "body.name"),
    ],
)
def test_bad_fields_are_400_naming_the_field(body, field):
    status, answer, headers = call(body)
    assert status == 400
    assert answer["error"]["code"] == "VALIDATION_ERROR"
    assert field in [d["field"] for d in answer["error"]["details"]]
    assert headers["X-Request-Id"] == ["gw-1"]


def test_malformed_json_wrong_media_type_and_huge_body():
    status, answer, _ = call("{nope")
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert call('{"name": "a", "quantity": 1}', content_type="text/plain")[0] == 415
    assert call(json.dumps({"name": "a" * 70_000, "quantity": 1}))[0] == 413


@pytest.mark.parametrize("content_type", ["Application/JSON", "APPLICATION/JSON; Charset=UTF-8"])
def test_a_media_type_is_json_in_any_case(content_type):
    """Media types are case-insensitive (RFC 9110)."""
    assert call('{"name": "pen", "quantity": 2}', content_type=content_type)[:2] == (201, {"name": "pen"})


def test_query_limit_outside_range_is_400():
    status, answer, _ = call('{"name": "pen", "quantity": 2}', query={"limit": "0"})
    assert status == 400
    assert answer["error"]["details"][0]["field"] == "query.limit"


def test_domain_errors_map_to_contract_codes():
    assert call('{"name": "conflict", "quantity": 1}')[:2] == (
        409,
        {
            "error": {
                "code": "INSUFFICIENT_STOCK",
                "message": "Not enough stock is available.",
                "details": {"available": 0},
            }
        },
    )
    status, answer, headers = call('{"name": "slow", "quantity": 1}')
    assert (status, answer["error"]["code"], headers["Retry-After"]) == (429, "RATE_LIMITED", ["42"])


def test_crash_is_500_without_internals():
    status, answer, _ = call('{"name": "crash", "quantity": 1}')
    assert status == 500
    assert answer["error"]["code"] == "INTERNAL"
    assert "secret" not in json.dumps(answer)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ('{"status": "PAID", "user_id": "u_x"}', ["body.status", "body.user_id"]),
        ('["anything"]', ["body"]),
        ('"text"', ["body"]),
    ],
)
def test_a_route_that_takes_no_body_refuses_one_naming_its_fields(body, fields):
    status, answer, headers = call(
        body, resource="/things/{thing_id}/archive", path="/things/t1/archive", request_id="client-9"
    )
    assert status == 400 and answer["error"]["code"] == "VALIDATION_ERROR"
    assert [d["field"] for d in answer["error"]["details"]] == fields
    assert headers["X-Request-Id"] == ["client-9"]


@pytest.mark.parametrize("body", [None, "", "{}", "null"])
def test_a_route_that_takes_no_body_accepts_none_or_an_empty_object(body):
    status, answer, _ = call(body, resource="/things/{thing_id}/archive", path="/things/t1/archive")
    assert (status, answer) == (200, {"name": "t1"})


@pytest.mark.parametrize("request_id", ["client-7", "r" * 1024, "ü x<y>"])
def test_the_clients_request_id_comes_back_as_sent(request_id):
    _, _, headers = call('{"name": "pen", "quantity": 2}', request_id=request_id)
    assert headers["X-Request-Id"] == [request_id]


def test_a_request_id_too_long_to_be_an_id_is_replaced_not_reflected():
    _, _, headers = call('{"name": "pen", "quantity": 2}', request_id="r" * 1025)
    assert headers["X-Request-Id"] == ["gw-1"]
