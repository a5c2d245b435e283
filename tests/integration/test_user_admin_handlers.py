"""The admin user and audit functions as Lambda runs them: loaded from template.yaml, fed the sample
events in events/admin, answering with the contract's statuses and error codes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.provisioning.stack import load_function

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).resolve().parents[2] / "events" / "admin"
ROUTES = [
    ("ListUsersFunction", "list_users"),
    ("PatchUserFunction", "patch_user"),
    ("ListAuditFunction", "list_audit"),
]


def event(name: str, *, role: str | None = "admin", user_id: str = "u_handler_admin", **changes: Any) -> Any:
    loaded = json.loads((EVENTS / f"{name}.json").read_text())
    loaded["requestContext"]["authorizer"] = (
        {"user_id": user_id, "role": role, "principalId": user_id} if role else None
    )
    if "body" in changes:
        loaded["body"] = json.dumps(changes.pop("body"))
    if "query" in changes:
        query = changes.pop("query")
        loaded["queryStringParameters"] = query
        loaded["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    if "target" in changes:
        target = changes.pop("target")
        loaded["pathParameters"] = {"id": target}
        loaded["path"] = f"/admin/users/{target}"
    return loaded


def call(stack: Any, logical_id: str, request: dict[str, Any]) -> tuple[int, Any]:
    answer = load_function(stack, logical_id)(request, LambdaContext(logical_id))
    return answer["statusCode"], json.loads(answer["body"]) if answer.get("body") else None


@pytest.fixture(scope="module")
def customer(stack: Any) -> str:
    from shop.bootstrap import build_auth_service

    email = f"handler-{uuid.uuid4().hex[:8]}@example.net"
    return build_auth_service().register(email, "correct horse battery", "Han").user.id


@pytest.mark.parametrize(("logical_id", "name"), ROUTES)
@pytest.mark.parametrize(("role", "status"), [("guest", 403), ("customer", 403), (None, 401)])
def test_only_admins_get_in(stack: Any, logical_id: str, name: str, role: str | None, status: int) -> None:
    answer, body = call(stack, logical_id, event(name, role=role))
    assert (answer, body["error"]["code"]) == (status, "FORBIDDEN" if status == 403 else "UNAUTHORIZED")


def test_the_sample_events_answer_admins(stack: Any, customer: str) -> None:
    status, page = call(stack, "ListUsersFunction", event("list_users"))
    assert status == 200 and set(page) == {"items", "next_cursor"}
    assert set(page["items"][0]) == {"id", "email", "name", "role", "created_at", "disabled"}
    status, user = call(stack, "PatchUserFunction", event("patch_user", target=customer))
    assert status == 200 and (user["id"], user["role"], user["disabled"]) == (customer, "admin", False)
    status, audit = call(
        stack, "ListAuditFunction", event("list_audit", query={"action": "user.role_changed"})
    )
    assert status == 200
    entry = next(e for e in audit["items"] if e["target_id"] == customer)
    assert set(entry) == {
        "id", "at", "actor_id", "actor_role", "action", "target_type", "target_id", "request_id", "details",
    }  # fmt: skip
    assert (entry["actor_id"], entry["details"]) == ("u_handler_admin", {"from": "customer", "to": "admin"})
    assert entry["request_id"] == "00000000-0000-0000-7a1c-0d3b55e2f002"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"role": "guest"},
        {"role": "owner"},
        {"disabled": "yes"},
        {"role": "admin", "user_id": "u_x"},
        {"role": None},
    ],
)
def test_bad_patch_bodies_are_400(stack: Any, customer: str, body: dict[str, Any]) -> None:
    status, answer = call(stack, "PatchUserFunction", event("patch_user", target=customer, body=body))
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_patch_answers_404_and_self_lockout(stack: Any) -> None:
    status, answer = call(stack, "PatchUserFunction", event("patch_user", target="u_nobody_here"))
    assert (status, answer["error"]["code"]) == (404, "NOT_FOUND")
    for body in ({"role": "customer"}, {"disabled": True}):
        request = event("patch_user", user_id="u_self", target="u_self", body=body)
        status, answer = call(stack, "PatchUserFunction", request)
        assert (status, answer["error"]["code"]) == (409, "SELF_LOCKOUT")


@pytest.mark.parametrize("name", ["list_users", "list_audit"])
@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"cursor": "garbage!"}])
def test_list_paging_is_checked(stack: Any, name: str, query: dict[str, str]) -> None:
    logical_id = dict((n, f) for f, n in ROUTES)[name]
    status, answer = call(stack, logical_id, event(name, query=query))
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
