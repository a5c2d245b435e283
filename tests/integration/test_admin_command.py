"""`python -m shop_tools admin`, run as the operator runs it, against the emulator's stores: it
creates, refuses an email someone registered first, and promotes only with the account's own
password, which it takes from the environment or standard input, never from argv."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from shop.errors import InvalidCredentials
from shop_local.engines.emulator import Emulator

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long admin password"


def admin(
    emulator: Emulator, *args: str, password: str | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SHOP_ADMIN_PASSWORD"}
    if password is not None:
        env["SHOP_ADMIN_PASSWORD"] = password
    command = [sys.executable, "-m", "shop_tools", "admin", "--emulator-url", emulator.url, *args]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        input=stdin or "",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def role_after_login(email: str, password: str) -> str:
    from shop.bootstrap import build_auth_service

    return build_auth_service().login(email, password).user.role


def test_the_admin_command_creates_refuses_and_promotes(stack: Any, emulator: Emulator) -> None:
    from shop.bootstrap import build_auth_service

    new_admin = f"root-{uuid.uuid4().hex[:8]}@example.com"
    done = admin(emulator, "--email", new_admin, password=PASSWORD)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Created the admin {new_admin} (user id u_")
    assert role_after_login(new_admin, PASSWORD) == "admin"

    squatter, squatters_password = f"admin-{uuid.uuid4().hex[:8]}@example.com", "the squatter's password"
    build_auth_service().register(squatter, squatters_password, "Mallory")
    refused = admin(emulator, "--email", squatter, password=PASSWORD)
    assert refused.returncode == 1 and "already has an account; nothing was done" in refused.stderr
    with pytest.raises(InvalidCredentials):
        role_after_login(squatter, PASSWORD)

    wrong = admin(emulator, "--email", squatter, "--promote", "--password-stdin", stdin=PASSWORD + "\n")
    assert wrong.returncode == 1 and "nothing was promoted" in wrong.stderr
    assert role_after_login(squatter, squatters_password) == "customer"

    right = admin(
        emulator, "--email", squatter, "--promote", "--password-stdin", stdin=squatters_password + "\n"
    )
    assert right.returncode == 0, right.stderr
    assert right.stdout.startswith(f"Promoted {squatter} to admin")
    assert role_after_login(squatter, squatters_password) == "admin"
