"""GET /admin/audit over HTTP: admins only, newest first, actor and action filters, paging, and no
route that changes or deletes an entry.

Needs from tests/e2e/conftest.py: `shop_url` and `admin_token`.
"""

import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e
TIMEOUT = 10
PASSWORD = "correct horse battery"
FIELDS = {"id", "at", "actor_id", "actor_role", "action", "target_type", "target_id", "request_id", "details"}


def call(shop_url, method, path, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = requests.request(method, shop_url + path, headers=headers, timeout=TIMEOUT, **kwargs)
    assert answer.headers.get("X-Request-Id")
    return answer


def code(answer):
    return answer.status_code, answer.json()["error"]["code"]


@pytest.fixture(scope="module")
def customer(shop_url):
    email = f"audited-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Au Dited"}
    return call(shop_url, "POST", "/auth/register", json=body).json()


@pytest.fixture(scope="module")
def admin_writes(shop_url, admin_token, customer):
    """Three admin writes on one customer: disable, enable, promote."""
    path = f"/admin/users/{customer['user']['id']}"
    for body in ({"disabled": True}, {"disabled": False}, {"role": "admin"}):
        assert call(shop_url, "PATCH", path, admin_token, json=body).status_code == 200
    return call(shop_url, "GET", "/auth/me", admin_token).json()["id"]


def pages(shop_url, token, **params):
    """Every page of a listing (bounded), as lists of entries."""
    found, cursor = [], None
    for _ in range(50):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        answer = call(shop_url, "GET", "/admin/audit", token, params=query)
        assert answer.status_code == 200, answer.text
        found.append(answer.json()["items"])
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return found
    raise AssertionError("the listing did not end")


def test_only_admins_read_the_trail(shop_url, customer):
    guest = call(shop_url, "POST", "/auth/guest").json()["access_token"]
    assert code(call(shop_url, "GET", "/admin/audit", guest)) == (403, "FORBIDDEN")
    assert code(call(shop_url, "GET", "/admin/audit", customer["access_token"])) == (403, "FORBIDDEN")
    assert code(call(shop_url, "GET", "/admin/audit")) == (401, "UNAUTHORIZED")


def test_the_trail_is_newest_first_with_the_contract_fields(shop_url, admin_token, admin_writes, customer):
    newest = call(shop_url, "GET", "/admin/audit", admin_token, params={"limit": 3}).json()
    assert len(newest["items"]) == 3 and newest["next_cursor"]
    assert all(set(e) == FIELDS for e in newest["items"])
    assert [e["action"] for e in newest["items"]] == ["user.role_changed", "user.enabled", "user.disabled"]
    assert {e["target_id"] for e in newest["items"]} == {customer["user"]["id"]}
    stamps = [e["at"] for e in newest["items"]]
    assert stamps == sorted(stamps, reverse=True)


def test_filters_by_actor_and_action_page_through_everything(shop_url, admin_token, admin_writes, customer):
    by_admin = [e for page in pages(shop_url, admin_token, actor_id=admin_writes, limit=2) for e in page]
    assert by_admin and {e["actor_id"] for e in by_admin} == {admin_writes}
    assert len({e["id"] for e in by_admin}) == len(by_admin)
    disabled = [e for page in pages(shop_url, admin_token, action="user.disabled", limit=1) for e in page]
    assert disabled and {e["action"] for e in disabled} == {"user.disabled"}
    both = pages(shop_url, admin_token, actor_id=admin_writes, action="user.enabled", limit=1)
    assert all(len(page) == 1 for page in both)  # the filtered loop fills every page
    both_entries = [e for page in both for e in page]
    assert {(e["actor_id"], e["action"]) for e in both_entries} == {(admin_writes, "user.enabled")}
    assert customer["user"]["id"] in {e["target_id"] for e in both_entries}
    mine = [e for e in by_admin if e["action"] == "user.enabled"]
    assert [e["id"] for e in mine] == [e["id"] for e in both_entries]
    assert pages(shop_url, admin_token, actor_id="u_nobody_at_all") == [[]]


def test_cursors_are_checked(shop_url, admin_token, admin_writes):
    cursor = call(shop_url, "GET", "/admin/audit", admin_token, params={"limit": 1}).json()["next_cursor"]
    for params in (
        {"cursor": "garbage"},
        {"cursor": cursor, "action": "user.enabled"},  # a cursor only resumes the query that made it
        {"limit": 0},
        {"limit": 101},
    ):
        assert code(call(shop_url, "GET", "/admin/audit", admin_token, params=params)) == (
            400,
            "VALIDATION_ERROR",
        )


def test_no_route_changes_or_deletes_entries(shop_url, admin_token, admin_writes):
    entry = call(shop_url, "GET", "/admin/audit", admin_token, params={"limit": 1}).json()["items"][0]
    for method in ("DELETE", "PATCH", "PUT", "POST"):
        for path in ("/admin/audit", f"/admin/audit/{entry['id']}"):
            answer = call(shop_url, method, path, admin_token, json={"details": {}})
            assert answer.status_code in (403, 404, 405), (method, path, answer.status_code)
    assert call(shop_url, "GET", "/admin/audit", admin_token, params={"limit": 1}).json()["items"][0] == entry
