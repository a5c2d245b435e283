"""Catalog caching over HTTP through the local gateway, as a shared cache and its clients see it.

Anonymous and guest answers of GET /categories, /products and /products/{id} are public with a
strong ETag and revalidate to a bodiless 304; customer and admin answers are `private, no-store`,
so an admin's view of a draft can never sit in a shared cache. The shared cache here is the
CacheControl package over a requests session, standing in for CloudFront.
"""

import hashlib
import uuid

import pytest
import requests
from cachecontrol import CacheControl
from cachecontrol.cache import DictCache

pytestmark = pytest.mark.e2e
TIMEOUT = 10
PUBLIC, PRIVATE = "public, max-age=60", "private, no-store"


@pytest.fixture(scope="module")
def headers(shop_url, admin_token):
    guest = requests.post(f"{shop_url}/auth/guest", timeout=TIMEOUT).json()["access_token"]
    email = f"cache-{uuid.uuid4().hex[:8]}@example.com"
    registered = requests.post(
        f"{shop_url}/auth/register",
        json={"email": email, "password": "a cached password", "name": "Cache Reader"},
        timeout=TIMEOUT,
    )
    assert registered.status_code == 201, registered.text
    return {
        "anonymous": {},
        "guest": {"Authorization": f"Bearer {guest}"},
        "customer": {"Authorization": f"Bearer {registered.json()['access_token']}"},
        "admin": {"Authorization": f"Bearer {admin_token}"},
    }


@pytest.fixture(scope="module")
def shelf(shop_url, headers):
    """A category of its own with one ACTIVE and one DRAFT product, and the three read paths."""
    tag = uuid.uuid4().hex[:8]
    admin = headers["admin"]
    category = requests.post(
        f"{shop_url}/categories",
        json={"name": "Cached", "slug": f"cached-{tag}"},
        headers=admin,
        timeout=TIMEOUT,
    ).json()
    made = {}
    for status in ("ACTIVE", "DRAFT"):
        body = {"sku": f"CC-{tag}-{status}", "name": f"{status} cup", "price_cents": 800, "status": status}
        answer = requests.post(
            f"{shop_url}/products",
            json=body | {"category_id": category["id"]},
            headers=admin,
            timeout=TIMEOUT,
        )
        assert answer.status_code == 201, answer.text
        made[status] = answer.json()["id"]
    paths = ["/categories", f"/products?category_id={category['id']}", f"/products/{made['ACTIVE']}"]
    return made, paths


def get(shop_url, path, headers, **extra):
    return requests.get(shop_url + path, headers={**headers, **extra}, timeout=TIMEOUT)


@pytest.mark.parametrize("role", ["anonymous", "guest"])
@pytest.mark.parametrize("read", [0, 1, 2], ids=["categories", "products", "product"])
def test_public_reads_carry_an_etag_and_revalidate_to_a_bodiless_304(shop_url, headers, shelf, role, read):
    path = shelf[1][read]
    first = get(shop_url, path, headers[role])
    assert first.status_code == 200 and first.json()
    assert first.headers["Cache-Control"] == PUBLIC and first.headers["Vary"] == "Authorization"
    assert first.headers["ETag"] == '"' + hashlib.sha256(first.content).hexdigest() + '"'
    assert first.headers["Content-Length"] == str(len(first.content))
    again = get(shop_url, path, headers[role], **{"If-None-Match": f'"nope", W/{first.headers["ETag"]}'})
    assert again.status_code == 304 and again.content == b""
    assert "Content-Length" not in again.headers and "Transfer-Encoding" not in again.headers
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == PUBLIC and again.headers["Vary"] == "Authorization"
    assert again.headers["X-Request-Id"]
    stale = get(shop_url, path, headers[role], **{"If-None-Match": '"an-old-tag"'})
    assert stale.status_code == 200 and stale.content == first.content


@pytest.mark.parametrize("role", ["customer", "admin"])
@pytest.mark.parametrize("read", [0, 1, 2], ids=["categories", "products", "product"])
def test_customer_and_admin_reads_are_private_and_never_304(shop_url, headers, shelf, role, read):
    answer = get(shop_url, shelf[1][read], headers[role], **{"If-None-Match": "*"})
    assert answer.status_code == 200 and answer.json()
    assert answer.headers["Cache-Control"] == PRIVATE and answer.headers["Vary"] == "Authorization"
    assert "ETag" not in answer.headers


def test_an_admins_view_of_a_draft_never_reaches_a_shared_cache(shop_url, headers, shelf):
    made, paths = shelf
    store = DictCache()
    shared = CacheControl(requests.Session(), cache=store)
    draft = f"/products/{made['DRAFT']}"
    for path in (draft, paths[1]):
        seen = shared.get(shop_url + path, headers=headers["admin"], timeout=TIMEOUT)
        assert seen.status_code == 200 and "DRAFT" in seen.text
        assert seen.headers["Cache-Control"] == PRIVATE and "ETag" not in seen.headers
    assert store.data == {}  # nothing of the admin's was stored
    for role in ("anonymous", "guest"):
        public = shared.get(shop_url + draft, headers=headers[role], timeout=TIMEOUT)
        assert public.status_code == 404 and public.json()["error"]["code"] == "NOT_FOUND"
        assert public.headers["Cache-Control"] == "no-store"
    assert store.data == {}


def test_a_shared_cache_serves_the_public_from_its_copy_and_sends_customers_to_the_origin(
    shop_url, headers, shelf
):
    path = shelf[1][2]
    shared = CacheControl(requests.Session(), cache=DictCache())
    first, second = (shared.get(shop_url + path, timeout=TIMEOUT) for _ in range(2))
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert not getattr(first, "from_cache", False) and getattr(second, "from_cache", False)
    for _ in range(2):
        answer = shared.get(shop_url + path, headers=headers["customer"], timeout=TIMEOUT)
        assert answer.status_code == 200 and not getattr(answer, "from_cache", False)


def test_head_has_no_body_and_answers_as_api_gateway_does_without_a_head_method(shop_url, shelf):
    path = shelf[1][2]
    head = requests.head(shop_url + path, timeout=TIMEOUT)
    assert head.content == b""
    assert head.status_code == requests.get(shop_url + "/no/such/route", timeout=TIMEOUT).status_code


def test_the_published_document_describes_the_304_and_the_caching_headers(shop_url):
    document = requests.get(shop_url + "/openapi.json", timeout=TIMEOUT).json()
    for path in ("/categories", "/products", "/products/{id}"):
        operation = document["paths"][path]["get"]
        ok, not_modified = operation["responses"]["200"], operation["responses"]["304"]
        assert {"ETag", "Cache-Control", "Vary"} <= set(ok["headers"]) and "content" in ok
        assert not ok["headers"]["ETag"]["required"] and ok["headers"]["Cache-Control"]["required"]
        assert "content" not in not_modified and not_modified["headers"]["ETag"]["required"]
        assert not_modified["headers"]["Cache-Control"]["schema"]["enum"] == [PUBLIC]
        assert "If-None-Match" in {p["name"] for p in operation["parameters"] if p["in"] == "header"}
