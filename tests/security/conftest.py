"""The OWASP API Security Top 10 (2023) suite: HTTP against one local shop for the whole session.

The shop is the e2e session's own `local_shop` fixture (tests/e2e/conftest.py, loaded from its file
path so that nothing edits sys.path); `shop_url` and `admin_token` come with it. On top:
- `api`: a client whose EVERY response is checked for what must never leave the shop (a 5xx, a
  missing X-Request-Id, an error body off the contract's shape, stack traces and internals,
  password hashes, ciphertexts, blind indexes, token hashes, table keys, card data, passwords);
- `world`: a small shop built once through the public API (admin, two customers, a guest, a
  product, orders pending, paid and shipped), reused by every test that only reads it;
- `forge`: access tokens signed with the shop's own key (read from the local emulator's secret),
  so that attacks on single claims (exp, iss, aud, kid, typ, role) reach the verifier intact.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
import requests

from shop.services.signing_keys import KeyRing
from shop_local.provisioning.template import load_template

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("security_e2e_conftest", ROOT / "tests/e2e/conftest.py")
assert _spec is not None and _spec.loader is not None
_e2e = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _e2e  # dataclasses look their module up there
_spec.loader.exec_module(_e2e)
local_shop = _e2e.local_shop  # one local shop for the whole session, exactly the e2e one
shop_url = _e2e.shop_url
admin_token = _e2e.admin_token

TIMEOUT = 30
PASSWORD_CANARY = "sekrit-canary"  # in every password the suite uses: must never come back
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "737"}
TEST_CARDS = ("4242424242424242", "4000000000000002", "4000000000009995")
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}

# Keys that name storage internals or secrets; no response body may contain one, at any depth.
FORBIDDEN_KEY = re.compile(
    r"^(pk|sk|gsi\d*_?(pk|sk)?|lsi\d*_?sk|version|entity|ttl|expires_at_epoch|password\w*|\w*_hash|hash|"
    r"\w*ciphertext\w*|\w*blind\w*|\w*_index|email_lookup|card_number|cvc|cvv|private_key\w*|"
    r"\w*data_key\w*|secret\w*|salt)$",
    re.IGNORECASE,
)
# Text that betrays a stack trace, the runtime, the cloud or a secret.
FORBIDDEN_TEXT = (
    "Traceback (most recent call last)",
    'File "/',
    "botocore",
    "boto3",
    "ClientError",
    "pydantic_core",
    "errors.pydantic.dev",
    "input_value",
    "arn:aws:",
    "shop-local-",
    "ConditionalCheckFailed",
    "TransactionCanceled",
    "RecursionError",
    "KeyError",
    "$argon2",
    "-----BEGIN",
    PASSWORD_CANARY,
    *TEST_CARDS,
)
ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def leaks(answer: requests.Response) -> list[str]:
    """Everything wrong with one response, whatever was asked (empty when it is clean)."""
    found = []
    if not answer.headers.get("X-Request-Id"):
        found.append("no X-Request-Id header")
    if answer.status_code >= 500:
        found.append(f"server error {answer.status_code}")
    text = answer.text
    found += [f"contains {marker!r}" for marker in FORBIDDEN_TEXT if marker in text]
    if not text:
        return found
    try:
        document = json.loads(text)
    except ValueError:
        return [*found, "body is not JSON"]
    found += [f"exposes key {key!r}" for key in sorted(_keys(document)) if FORBIDDEN_KEY.match(key)]
    if answer.status_code >= 400:
        error = document.get("error") if isinstance(document, dict) else None
        if set(document) != {"error"} or not isinstance(error, dict):
            found.append("error body is not {error: ...}")
        elif set(error) != {"code", "message", "details"} or not ERROR_CODE.match(str(error["code"])):
            found.append(f"error body off the contract's shape: {sorted(error)}")
        if not answer.headers.get("Content-Type", "").startswith("application/json"):
            found.append("error without Content-Type application/json")
    return found


def _keys(document: Any) -> set[str]:
    if isinstance(document, dict):
        return set(document).union(*(_keys(value) for value in document.values()))
    if isinstance(document, list):
        return set().union(*(_keys(value) for value in document))
    return set()


@dataclass
class Account:
    id: str
    email: str
    password: str
    access: str
    refresh: str


class Api:
    """The black-box client: every answer goes through `leaks` before a test sees it."""

    card = CARD
    address = ADDRESS
    password_canary = PASSWORD_CANARY
    responses_checked = 0  # over the whole session, shown in the terminal summary

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if key is not None:
            sent["Idempotency-Key"] = key
        answer = self.session.request(method, self.url + path, headers=sent, timeout=TIMEOUT, **kwargs)
        Api.responses_checked += 1
        problems = leaks(answer)
        assert not problems, f"{method} {path} -> {answer.status_code}: {problems}\n{answer.text[:500]}"
        return answer

    @staticmethod
    def error(answer: requests.Response) -> tuple[int, str]:
        """(status, contract error code) of an error answer."""
        return answer.status_code, str(answer.json()["error"]["code"])

    @staticmethod
    def fields(answer: requests.Response) -> list[str]:
        """The fields a 400 VALIDATION_ERROR names in its details."""
        return [str(d["field"]) for d in answer.json()["error"]["details"] or []]

    def register(self, tag: str = "sec") -> Account:
        email = f"{tag}-{uuid.uuid4().hex[:10]}@example.com"
        password = f"{PASSWORD_CANARY}-{uuid.uuid4().hex[:8]}"
        answer = self.call("POST", "/auth/register", json={"email": email, "password": password, "name": tag})
        assert answer.status_code == 201, answer.text
        body = answer.json()
        return Account(body["user"]["id"], email, password, body["access_token"], body["refresh_token"])

    def guest(self) -> str:
        answer = self.call("POST", "/auth/guest")
        assert answer.status_code == 201, answer.text
        return str(answer.json()["access_token"])

    def checkout(self, token: str) -> dict[str, Any]:
        answer = self.call(
            "POST", "/checkout", token, key=uuid.uuid4().hex, json={"shipping_address": ADDRESS}
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def buy(self, token: str, product_id: str, quantity: int = 1) -> dict[str, Any]:
        added = self.call("POST", "/cart/items", token, json={"product_id": product_id, "quantity": quantity})
        assert added.status_code == 200, added.text
        return self.checkout(token)


@dataclass
class World:
    admin: str
    admin_id: str
    alice: Account
    bob: Account
    guest: str
    category_id: str
    product_id: str
    draft_id: str
    pending_order: dict[str, Any]
    shipped_order: dict[str, Any]
    shipment_id: str
    bob_orders: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="session")
def api(shop_url: str) -> Api:
    return Api(shop_url)


def make_product(api: Api, admin: str, category_id: str, status: str, stock: int) -> str:
    body = {"sku": f"SEC-{uuid.uuid4().hex[:10]}", "name": "Armoured teapot", "price_cents": 1500}
    made = api.call("POST", "/products", admin, json=body | {"category_id": category_id, "status": status})
    assert made.status_code == 201, made.text
    product_id = str(made.json()["id"])
    if stock:
        path = f"/admin/inventory/{product_id}/adjustments"
        adjusted = api.call("POST", path, admin, json={"delta": stock, "reason": "security suite"})
        assert adjusted.status_code == 200, adjusted.text
    return product_id


@pytest.fixture(scope="session")
def world(api: Api, admin_token: str) -> World:
    """Alice owns a PENDING_PAYMENT order and a paid, shipped one; Bob has two orders and a cart."""
    admin = admin_token
    admin_id = api.call("GET", "/auth/me", admin).json()["id"]
    slug = f"security-{uuid.uuid4().hex[:8]}"
    category = api.call("POST", "/categories", admin, json={"name": "Security", "slug": slug}).json()
    product = make_product(api, admin, category["id"], "ACTIVE", 500)
    draft = make_product(api, admin, category["id"], "DRAFT", 0)
    alice, bob = api.register("alice"), api.register("bob")
    pending = api.buy(alice.access, product)
    shipped = api.buy(alice.access, product)
    paid = api.call(
        "POST", f"/orders/{shipped['id']}/payments", alice.access, key=uuid.uuid4().hex, json=CARD
    )
    assert paid.status_code == 200 and paid.json()["order"]["status"] == "PAID", paid.text
    path = f"/admin/orders/{shipped['id']}/shipments"
    shipment = api.call("POST", path, admin, json={"carrier": "UPS"})
    assert shipment.status_code == 201, shipment.text
    bob_orders = [api.buy(bob.access, product), api.buy(bob.access, product)]
    api.call("POST", "/cart/items", bob.access, json={"product_id": product, "quantity": 2})
    guest = api.guest()
    api.call("POST", "/cart/items", guest, json={"product_id": product, "quantity": 1})
    return World(
        admin=admin,
        admin_id=admin_id,
        alice=alice,
        bob=bob,
        guest=guest,
        category_id=category["id"],
        product_id=product,
        draft_id=draft,
        pending_order=pending,
        shipped_order=shipped,
        shipment_id=shipment.json()["id"],
        bob_orders=bob_orders,
    )


class Forge:
    """Access tokens made with the shop's real signing key, one claim or header off at a time."""

    def __init__(self, ring: KeyRing, issuer: str, audience: str) -> None:
        self.ring, self.issuer, self.audience = ring, issuer, audience

    @property
    def kid(self) -> str:
        return self.ring.active(time.time()).kid

    def claims(self, subject: str, given_role: str, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {
            "iss": self.issuer, "aud": self.audience, "sub": subject, "role": given_role, "typ": "at+jwt",
            "ver": 0, "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex,
        }  # fmt: skip
        base.update(changes)
        return {name: value for name, value in base.items() if value is not None}

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        header = {"kid": self.kid, "typ": "at+jwt"} if headers is None else headers
        return jwt.encode(
            claims, self.ring.active(time.time()).private_key, algorithm="ES256", headers=header
        )


@pytest.fixture(scope="session")
def forge(local_shop: Any) -> Forge:
    secrets = boto3.client(
        "secretsmanager",
        endpoint_url=local_shop.emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    names = [
        s["Name"] for s in secrets.list_secrets()["SecretList"] if s["Name"].endswith("SigningKeySecret")
    ]
    assert len(names) == 1, names
    ring = KeyRing.from_json(secrets.get_secret_value(SecretId=names[0])["SecretString"])
    env = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    return Forge(ring, str(env["TOKEN_ISSUER"]), str(env["TOKEN_AUDIENCE"]))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if Api.responses_checked:
        terminalreporter.write_line(
            f"security suite: {Api.responses_checked} responses checked by conftest.leaks"
        )
