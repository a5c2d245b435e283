"""A whole local shop (`python -m shop_local run`) in a subprocess, on free ports, for the e2e session.

Tests drive it over HTTP only, as the black-box client will. The shop's output goes to a file that
is shown when it fails to start, and that tests can read (the access log is on its stderr).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

START_TIMEOUT_SECONDS = 60
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LocalShop:
    url: str
    emulator_url: str
    process: subprocess.Popen[bytes]
    output: Path
    started_seconds: float

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> HttpAnswer:
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return HttpAnswer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return HttpAnswer(error.code, dict(error.headers), error.read())

    def logs(self) -> str:
        return self.output.read_text(errors="replace")

    def make_admin(self, email: str, password: str) -> subprocess.CompletedProcess[str]:
        """Run the documented admin command against this shop (the password in its environment,
        as `make admin PASSWORD=...` passes it)."""
        command = [sys.executable, "-m", "shop_tools", "admin", "--email", email]
        command += ["--emulator-url", self.emulator_url]
        env = {**os.environ, "SHOP_ADMIN_PASSWORD": password}
        return subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
        )

    def register(self, email: str, password: str, name: str = "Test User") -> dict[str, Any]:
        answer = self.request("POST", "/auth/register", {"email": email, "password": password, "name": name})
        assert answer.status == 201, answer.body
        return dict(answer.json())

    def login(self, email: str, password: str) -> dict[str, Any]:
        answer = self.request("POST", "/auth/login", {"email": email, "password": password})
        assert answer.status == 200, answer.body
        return dict(answer.json())


def _wait_healthy(shop: LocalShop) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if shop.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(shop.url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    shop.process.kill()
    pytest.fail(f"the local shop did not become healthy within {START_TIMEOUT_SECONDS}s:\n{shop.logs()}")


@contextmanager
def running_shop(directory: Path, settings: dict[str, str]) -> Iterator[LocalShop]:
    """`python -m shop_local run` with these SHOP_* settings, on free ports, until the block ends."""
    port, emulator_port = _free_port(), _free_port()
    output = directory / "shop.log"
    env = {**os.environ, **settings, "SHOP_PORT": str(port), "SHOP_EMULATOR_PORT": str(emulator_port)}
    env["PYTHONUNBUFFERED"] = "1"
    started = time.monotonic()
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "shop_local", "run"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    shop = LocalShop(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{emulator_port}", process, output, 0.0)
    try:
        _wait_healthy(shop)
        shop.started_seconds = time.monotonic() - started
        yield shop
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def local_shop(tmp_path_factory: pytest.TempPathFactory, iam_check: object) -> Iterator[LocalShop]:
    """The shop inherits SHOP_IAM_CHECK from `iam_check`: its functions' AWS calls are checked too."""
    with running_shop(tmp_path_factory.mktemp("local-shop"), {"SHOP_SEED": "0"}) as shop:
        yield shop


@pytest.fixture(scope="session")
def shop_with_settings(
    iam_check: object,
) -> Callable[[Path, dict[str, str]], AbstractContextManager[LocalShop]]:
    """For a test that needs a shop of its own, started with other SHOP_* settings (IAM-checked too)."""
    return running_shop


@pytest.fixture(scope="session")
def shop_url(local_shop: LocalShop) -> str:
    return local_shop.url


@pytest.fixture(scope="session")
def admin_token(local_shop: LocalShop) -> str:
    """An access token of an admin made with the project's documented command (`make admin`)."""
    email, password = "e2e-admin@example.com", "an e2e admin password"
    done = local_shop.make_admin(email, password)
    assert done.returncode == 0, done.stderr
    return str(local_shop.login(email, password)["access_token"])
