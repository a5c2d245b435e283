"""Shared by every test folder: the no-oversell sale run over HTTP (tests/e2e on the moto server,
tests/dynamodb_local on DynamoDB Local), `sample_event`, which re-addresses a sample event, and the
IAM check that the integration and e2e suites turn on (`iam_check`), and `engine_honours_tokens`,
a check of DynamoDB's transaction tokens run on the emulator and on DynamoDB Local alike."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from shop_local.iam.record import ENVIRONMENT_VARIABLE, Recorder, recording_directory

EVENTS = Path(__file__).resolve().parent.parent / "events"

TIMEOUT = 60
ADDRESS = {"name": "Ada", "line1": "1 Hot Street", "city": "Leeds", "postal_code": "LS1 1AA", "country": "GB"}


@dataclass(frozen=True)
class Buyer:
    email: str
    token: str
    user_id: str


@dataclass
class HotSale:
    """One product, many customers with it in their carts, and every checkout at the same moment."""

    url: str
    admin: str

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url + path, headers=headers, timeout=TIMEOUT, **kwargs)

    def levels(self, product_id: str) -> tuple[int, int, int]:
        answer = self.call("GET", f"/admin/inventory/{product_id}", self.admin)
        assert answer.status_code == 200, answer.text
        levels = answer.json()
        return levels["available"], levels["reserved"], levels["sold"]

    def product(self, stock: int) -> str:
        tag = uuid.uuid4().hex[:8]
        category = self.call("POST", "/categories", self.admin, json={"name": "Hot", "slug": f"hot-{tag}"})
        assert category.status_code == 201, category.text
        body = {"sku": f"HOT-{tag}", "name": "Hot item", "price_cents": 1500, "status": "ACTIVE"}
        made = self.call("POST", "/products", self.admin, json=body | {"category_id": category.json()["id"]})
        assert made.status_code == 201, made.text
        product_id = str(made.json()["id"])
        path, adjustment = f"/admin/inventory/{product_id}/adjustments", {"delta": stock, "reason": "hot"}
        assert self.call("POST", path, self.admin, json=adjustment).status_code == 200
        return product_id

    def buyers(self, product_id: str, count: int) -> list[Buyer]:
        """`count` registered customers (Argon2 makes this the slow part), each with one unit of
        the product in the cart."""

        def buyer(_: int) -> Buyer:
            email = f"hot-{uuid.uuid4().hex[:12]}@example.com"
            body = {"email": email, "password": "a hot product buyer", "name": "Buyer"}
            registered = self.call("POST", "/auth/register", json=body)
            assert registered.status_code == 201, registered.text
            session = registered.json()
            line = {"product_id": product_id, "quantity": 1}
            assert self.call("POST", "/cart/items", session["access_token"], json=line).status_code == 200
            return Buyer(email, session["access_token"], session["user"]["id"])

        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(buyer, range(count)))

    def checkout(self, token: str) -> requests.Response:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        return self.call("POST", "/checkout", token, headers=key, json={"shipping_address": ADDRESS})

    def warm_checkout(self, containers: int = 16) -> None:
        """Loads checkout's containers (the admin's cart is empty) so that cold starts are not timed."""
        with ThreadPoolExecutor(containers) as pool:
            assert set(pool.map(lambda _: self.checkout(self.admin).status_code, range(containers))) == {409}

    def all_at_once(self, buyers: list[Buyer]) -> tuple[list[requests.Response], float]:
        """Every buyer's checkout, released together; the answers in order and the seconds taken."""
        start = threading.Barrier(len(buyers))

        def buy(buyer: Buyer) -> requests.Response:
            start.wait()
            return self.checkout(buyer.token)

        began = time.monotonic()
        with ThreadPoolExecutor(len(buyers)) as pool:
            answers = list(pool.map(buy, buyers))
        return answers, time.monotonic() - began

    def assert_sold_exactly(
        self, product_id: str, stock: int, buyers: list[Buyer], answers: list[requests.Response]
    ) -> None:
        """`stock` orders, each its buyer's; a clean 409 OUT_OF_STOCK with its details for every
        other buyer; the stock all reserved: available + reserved + sold unchanged."""
        sold = [(b, a.json()) for b, a in zip(buyers, answers, strict=True) if a.status_code == 201]
        orders = [order for _, order in sold]
        assert len(orders) == stock and len({o["id"] for o in orders}) == stock
        assert all(order["user_id"] == buyer.user_id for buyer, order in sold)
        lines = {(o["status"], o["items"][0]["product_id"], o["items"][0]["quantity"]) for o in orders}
        assert lines == {("PENDING_PAYMENT", product_id, 1)}
        refused = [a for a in answers if a.status_code != 201]
        assert {a.status_code for a in refused} == {409} and len(refused) == len(answers) - stock
        errors = [a.json()["error"] for a in refused]
        assert all(e["code"] == "OUT_OF_STOCK" for e in errors), {e["code"] for e in errors}
        assert all(
            e["details"] == [{"product_id": product_id, "requested": 1, "available": 0}] for e in errors
        )
        assert self.levels(product_id) == (0, stock, 0)


@pytest.fixture(scope="session")
def hot_sale() -> Callable[[str, str], HotSale]:
    return HotSale


KEEP: Any = object()  # api_event(query=KEEP) leaves the sample's query string as it is


def api_event(
    sample: str,
    *,
    user: str,
    role: str | None,
    body: Any = None,
    key: str | None = None,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = KEEP,
) -> dict[str, Any]:
    """A sample API Gateway event from events/, re-addressed to a caller, a body and path/query values
    (role None: no authorizer context, as on a request without a token)."""
    event: dict[str, Any] = json.loads((EVENTS / sample).read_text())
    if role is None:
        event["requestContext"]["authorizer"] = {}
    else:
        event["requestContext"]["authorizer"].update(user_id=user, role=role, principalId=user)
    headers = {k: v for k, v in event["headers"].items() if k != "Idempotency-Key"}
    if key is not None:
        headers["Idempotency-Key"] = key
    if body is not None:
        headers["Content-Type"] = "application/json"
    event["headers"], event["multiValueHeaders"] = headers, {k: [v] for k, v in headers.items()}
    event["body"] = json.dumps(body) if body is not None else None
    if path:
        event["pathParameters"] = path
        event["path"] = event["resource"]
        for name, value in path.items():
            event["path"] = event["path"].replace("{" + name + "}", value)
    if query is not KEEP:
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    return event


@pytest.fixture(scope="session")
def sample_event() -> Callable[..., dict[str, Any]]:
    return api_event


def check_client_request_tokens(dynamodb: Any, table: str) -> None:
    """A transaction sent again with its ClientRequestToken is not applied again (botocore resends
    a call whose answer was lost with the same token); the same token with other items is
    IdempotentParameterMismatchException; a new token is a new transaction."""
    key = {"pk": {"S": f"TOKEN#{uuid.uuid4().hex}"}, "sk": {"S": "TOKEN"}}
    put = {"Put": {"TableName": table, "Item": key, "ConditionExpression": "attribute_not_exists(pk)"}}
    token = uuid.uuid4().hex

    dynamodb.transact_write_items(TransactItems=[put], ClientRequestToken=token)
    dynamodb.transact_write_items(TransactItems=[put], ClientRequestToken=token)  # no condition failure

    other = {"Put": {"TableName": table, "Item": {**key, "n": {"N": "1"}}}}
    with pytest.raises(ClientError) as mismatch:
        dynamodb.transact_write_items(TransactItems=[other], ClientRequestToken=token)
    assert mismatch.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    with pytest.raises(ClientError) as again:
        dynamodb.transact_write_items(TransactItems=[put], ClientRequestToken=uuid.uuid4().hex)
    assert again.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"] == key


@pytest.fixture(scope="session")
def engine_honours_tokens() -> Callable[[Any, str], None]:
    return check_client_request_tokens


# ---------------------------------------------------------------- the IAM check
IAM_RECORDS = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def iam_check(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Recorder | None]:
    """Every AWS call a function makes, in this process and in the shops it starts (which inherit
    SHOP_IAM_CHECK), is recorded and held against the function's policies when the session ends:
    a call they do not grant fails the run. SHOP_IAM_CHECK=off turns it off; `record:<directory>`
    (`make iam-report`) keeps the records there instead of in a temporary directory."""
    setting = os.environ.get(ENVIRONMENT_VARIABLE, "")
    if setting == "off":
        yield None
        return
    directory = (recording_directory(setting) or tmp_path_factory.mktemp("iam")).resolve()
    recorder = Recorder(directory)
    recorder.install()
    request.config.stash[IAM_RECORDS] = directory
    os.environ[ENVIRONMENT_VARIABLE] = f"record:{directory}"
    try:
        yield recorder
    finally:
        if setting:
            os.environ[ENVIRONMENT_VARIABLE] = setting
        else:
            os.environ.pop(ENVIRONMENT_VARIABLE, None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    directory = session.config.stash.get(IAM_RECORDS, None)
    if directory is None:
        return
    from shop_local.iam.report import check, unused_markdown

    outcome = check(directory)
    report = directory / "unused-grants.md"
    report.write_text(unused_markdown(outcome), encoding="utf-8")
    lines = [outcome.summary(), f"unused grants: {report}"]
    if outcome.missing_lines():
        lines += ["denied, but named something that does not exist (the call failed anyway; not failing):"]
        lines += [f"  {line}" for line in outcome.missing_lines()]
    if outcome.failing:
        lines += ["calls the function's policies in template.yaml do not grant:"]
        lines += [f"  {line}" for line in outcome.denied_lines()]
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write("\n")  # after the progress line, which does not end one
        reporter.write_sep("=", "IAM check", red=bool(outcome.failing), bold=True)
        for line in lines:
            reporter.write_line(line)
