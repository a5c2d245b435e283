"""The local shop as a client sees it: health, docs, routing, auth at the gateway, request ids, logs."""

import json
import re
import uuid

import pytest

from shop_local.api_gateway.routes import template_routes
from shop_local.provisioning.template import load_template

pytestmark = pytest.mark.e2e


def test_health(local_shop):
    answer = local_shop.request("GET", "/health")
    assert answer.status == 200 and answer.json() == {"status": "ok"}


def test_openapi_lists_every_template_route(local_shop):
    answer = local_shop.request("GET", "/openapi.json")
    assert answer.status == 200
    document = answer.json()
    assert document["info"]["title"] == "Serverless Shop API"
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    documented = {
        (re.sub(r"\{[^}]*\}", "{}", path), method.upper())
        for path, item in document["paths"].items()
        for method in item
    }
    for route in template_routes(load_template()):
        assert (re.sub(r"\{[^}]*\}", "{}", route.path), route.method) in documented, route


def test_docs_serve_swagger_ui(local_shop):
    answer = local_shop.request("GET", "/docs")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "swagger-ui" in answer.body.decode() and "/openapi.json" in answer.body.decode()


def test_unknown_route_is_404_in_the_contracts_error_shape(local_shop):
    answer = local_shop.request("GET", "/no/such/route")
    assert answer.status == 404
    assert answer.json()["error"]["code"] == "NOT_FOUND"
    assert set(answer.json()["error"]) == {"code", "message", "details"}


def test_request_id_is_echoed_on_handler_and_gateway_responses(local_shop):
    mine = f"e2e-{uuid.uuid4()}"
    for method, path in (("GET", "/categories"), ("GET", "/no/such/route"), ("GET", "/auth/me")):
        answer = local_shop.request(method, path, headers={"X-Request-Id": mine})
        assert answer.headers.get("X-Request-Id") == mine, (path, answer.status)
    generated = local_shop.request("GET", "/categories").headers.get("X-Request-Id")
    assert generated and generated != mine


def test_missing_or_invalid_token_on_a_bearer_route_is_401(local_shop):
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        answer = local_shop.request("GET", "/auth/me", headers=headers)
        assert answer.status == 401
        assert answer.json()["error"]["code"] == "UNAUTHORIZED"


def test_optional_auth_route_works_without_a_token(local_shop):
    answer = local_shop.request("GET", "/categories")
    assert answer.status == 200 and isinstance(answer.json()["items"], list)
    assert "seeded" not in local_shop.logs() or "not seeded (SHOP_SEED=0)" in local_shop.logs()


def test_admin_command_then_login_reaches_an_admin_route(local_shop):
    email, password = f"admin-{uuid.uuid4().hex[:8]}@example.com", "a long admin password"
    done = local_shop.make_admin(email, password)
    assert done.returncode == 0, done.stderr
    tokens = local_shop.login(email, password)
    answer = local_shop.request(
        "GET", "/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert answer.status == 200 and answer.json()["role"] == "admin"


def test_customer_token_reaches_its_routes(local_shop):
    session = local_shop.register(f"c-{uuid.uuid4().hex[:8]}@example.com", "a long customer password")
    answer = local_shop.request(
        "GET", "/auth/me", headers={"Authorization": f"Bearer {session['access_token']}"}
    )
    assert answer.status == 200 and answer.json()["role"] == "customer"


def test_access_log_lines_without_secrets(local_shop):
    local_shop.request("GET", "/auth/me", headers={"Authorization": "Bearer secret-token-value"})
    logs = local_shop.logs()
    # every JSON line is whole: handlers print from many threads into the same log
    objects = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    lines = [line for line in objects if "latency_ms" in line]
    assert any(line["path"] == "/auth/me" and line["status"] == 401 for line in lines)
    assert "secret-token-value" not in logs
