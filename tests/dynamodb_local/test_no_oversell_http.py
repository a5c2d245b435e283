"""No oversell over HTTP on the real engine, with transaction conflicts that checkout must retry;
and no more guesses than the login limit allows, from a burst.

The whole local shop (`python -m shop_local run`) runs as a subprocess in this namespace with its
tables on DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB[_STREAMS]). DynamoDB Local serialises
transactions and never answers TransactionConflict, so the shop is started with
SHOP_INJECT_TRANSACTION_CONFLICTS: its first CONFLICTS stock-moving transactions are cancelled
exactly as AWS cancels a conflict, and each one is logged. 200 customers then check out one product
with 50 in stock at the same moment: exactly 50 orders, 150 clean 409 OUT_OF_STOCK, levels
(0, 50, 0), and all CONFLICTS injected conflicts consumed, so each was retried into a clean answer.
The 50 order confirmations are mailed: the stream poller reads DynamoDB Local's stream (whose
iterators it must renew after TrimmedDataAccessException).
The rate is printed (`-s`). The same sale on the moto server: tests/e2e/test_no_oversell.py;
the sale's helpers: tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from shop_local.engines.dynamodb_local import DynamoDBLocal

BUYERS, STOCK, CONFLICTS = 200, 50, 20
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
ADMIN = ("ddb-hot-admin@example.com", "a hot product admin")


@dataclass
class RunningShop:
    url: str
    emulator_url: str
    environment: dict[str, str]
    output: Path

    def log_events(self, name: str) -> list[dict[str, Any]]:
        """The shop's JSON log lines of one event. Functions run on threads of one process, and a
        line printed to stdout (a metrics document) may meet one written to stderr on the same
        line of the file, so every JSON document of a line is read, not just the first."""
        decoder, events = json.JSONDecoder(), []
        for line in self.output.read_text(errors="replace").splitlines():
            at = line.find("{")
            while f'"{name}"' in line and at != -1:
                try:
                    document, end = decoder.raw_decode(line, at)
                except ValueError:
                    break
                events.append(document)
                at = line.find("{", end)
        return [e for e in events if isinstance(e, dict) and e.get("event") == name]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def shop_on_dynamodb_local(
    dynamodb_engine: DynamoDBLocal, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningShop]:
    port, emulator_port = _free_port(), _free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SHOP_"))}
    environment |= dynamodb_engine.endpoint_environment | {
        "SHOP_PORT": str(port),
        "SHOP_EMULATOR_PORT": str(emulator_port),
        "SHOP_SEED": "0",
        "SHOP_INJECT_TRANSACTION_CONFLICTS": str(CONFLICTS),
        "PYTHONUNBUFFERED": "1",
    }
    output = tmp_path_factory.mktemp("shop-on-dynamodb-local") / "shop.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "shop_local", "run"], cwd=ROOT, env=environment, stdout=sink, stderr=sink
        )
    shop = RunningShop(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{emulator_port}", environment, output)
    try:
        deadline = time.monotonic() + 90
        while not _healthy(shop.url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the shop on DynamoDB Local did not start:\n{output.read_text(errors='replace')}"
                )
            time.sleep(0.2)
        yield shop
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def admin_token(shop_on_dynamodb_local: RunningShop) -> str:
    return _admin_token(shop_on_dynamodb_local)


def _admin_token(shop: RunningShop) -> str:
    """Made with the documented command, which provisions the stack again: on DynamoDB Local too."""
    command = [sys.executable, "-m", "shop_tools", "admin", "--email", ADMIN[0]]
    command += ["--emulator-url", shop.emulator_url]
    env = {**shop.environment, "SHOP_ADMIN_PASSWORD": ADMIN[1]}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    body = {"email": ADMIN[0], "password": ADMIN[1]}
    login = requests.post(f"{shop.url}/auth/login", json=body, timeout=TIMEOUT)
    assert login.status_code == 200, login.text
    return str(login.json()["access_token"])


def _mailed(shop: RunningShop, addresses: set[str], expected: int) -> set[str]:
    """Those of `addresses` mailed so far, once `expected` are (or after 30 s): each order_created
    event went from DynamoDB Local's stream through the publisher, the topic and the mail queue."""
    deadline, mailed = time.monotonic() + 30, set[str]()
    while len(mailed) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        messages = requests.get(f"{shop.emulator_url}/_aws/ses", timeout=TIMEOUT).json()["messages"]
        mailed = {to for m in messages for to in m.get("Destination", {}).get("ToAddresses", [])} & addresses
    return mailed


def test_two_hundred_checkouts_with_injected_conflicts_sell_exactly_the_stock(
    admin_token, shop_on_dynamodb_local, hot_sale
):
    shop = shop_on_dynamodb_local
    sale = hot_sale(shop.url, admin_token)
    product_id = sale.product(STOCK)
    buyers = sale.buyers(product_id, BUYERS)
    sale.warm_checkout()
    assert sale.levels(product_id) == (STOCK, 0, 0)
    assert shop.log_events("transaction_conflict_injected") == []  # nothing else moved stock

    answers, seconds = sale.all_at_once(buyers)

    sale.assert_sold_exactly(product_id, STOCK, buyers, answers)
    injected = sorted(e["injected"] for e in shop.log_events("transaction_conflict_injected"))
    assert injected == list(range(1, CONFLICTS + 1))  # every injected conflict consumed and retried
    winners = {b.email for b, answer in zip(buyers, answers, strict=True) if answer.status_code == 201}
    assert _mailed(shop, {b.email for b in buyers}, STOCK) == winners
    print(
        f"\nDynamoDB Local, over HTTP: {BUYERS} concurrent checkouts of one hot product in {seconds:.2f} s: "
        f"{BUYERS / seconds:.1f} checkouts/s, {STOCK / seconds:.1f} orders/s "
        f"({CONFLICTS} injected transaction conflicts retried)"
    )


def test_a_burst_of_guesses_at_one_email_gets_exactly_five_tries(shop_on_dynamodb_local):
    """24 wrong passwords for one email from one address, all at once: each login holds a slot of
    the (email, address) bucket before its password is checked, so exactly 5 are checked (401) and
    19 refused (429); then even the right password waits out the lockout from that address."""
    shop = shop_on_dynamodb_local
    email, password = f"burst-{uuid.uuid4().hex[:10]}@example.com", "the owner's long password"
    body = {"email": email, "password": password, "name": "Burst"}
    assert requests.post(f"{shop.url}/auth/register", json=body, timeout=TIMEOUT).status_code == 201
    start = threading.Barrier(24)

    def guess(number: int) -> int:
        start.wait()
        wrong = {"email": email, "password": f"guess number {number} of the burst"}
        return requests.post(f"{shop.url}/auth/login", json=wrong, timeout=TIMEOUT).status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = Counter(pool.map(guess, range(24)))
    assert statuses == Counter({401: 5, 429: 19}), statuses
    right = requests.post(
        f"{shop.url}/auth/login", json={"email": email, "password": password}, timeout=TIMEOUT
    )
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0


def test_one_admins_parallel_catalog_writes_all_land(shop_on_dynamodb_local, admin_token, hot_sale):
    """10 PATCHes of one product and 10 of one category at once, then 10 DELETEs of the product:
    they meet on the product (or category) item and on the admin's own audit chain, and every one
    reads again until it lands (200, then 204: archiving an archived product is done, not a 409)."""
    sale = hot_sale(shop_on_dynamodb_local.url, admin_token)
    product_id = sale.product(stock=1)
    category_id = sale.call("GET", f"/products/{product_id}", admin_token).json()["category_id"]

    def at_once(requests_: Sequence[tuple[str, str, dict[str, Any] | None]]) -> Counter[int]:
        start = threading.Barrier(len(requests_))

        def send(request: tuple[str, str, dict[str, Any] | None]) -> int:
            method, path, body = request
            start.wait()
            return sale.call(method, path, admin_token, json=body).status_code

        with ThreadPoolExecutor(len(requests_)) as pool:
            return Counter(pool.map(send, requests_))

    patches: list[tuple[str, str, dict[str, Any] | None]] = [
        ("PATCH", f"/products/{product_id}", {"price_cents": 1000 + n}) for n in range(10)
    ]
    patches += [("PATCH", f"/categories/{category_id}", {"name": f"Hot {n}"}) for n in range(10)]
    assert at_once(patches) == Counter({200: 20})
    deletes = [("DELETE", f"/products/{product_id}", None)] * 10
    assert at_once(deletes) == Counter({204: 10})
    product = sale.call("GET", f"/products/{product_id}", admin_token).json()
    assert product["status"] == "ARCHIVED" and 1000 <= product["price_cents"] < 1010
