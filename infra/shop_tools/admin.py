"""`python -m shop_tools admin`: create an admin, or promote an account, through the core's own
use cases.

The first admin cannot come from the API (only an admin may grant the role) and must not come
from a default password in code, so this command talks to the stores directly, with the same
environment a function gets: the running local emulator's, or a deployed stack's (`--stack`).
It creates; it promotes an existing account only when asked to and given that account's own
password, so that whoever registers the future admin's email first gains nothing by it.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from shop_local.settings import LocalSettings

if TYPE_CHECKING:
    from shop.services.auth import Promotion


class ShopNotRunning(RuntimeError):
    """Nothing answers at the emulator's address."""


def _check_reachable(url: str) -> None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError:
        raise ShopNotRunning(
            f"no local shop is running: nothing answers at {url}. Start it with `make run` "
            "(in another terminal), wait for 'ready', then run this again."
        ) from None


def local_environment(emulator_url: str) -> None:
    """Point this process at the running local stack (provisioning again is idempotent)."""
    from shop_local.provisioning.provision import provision
    from shop_local.provisioning.template import find_template, load_template
    from shop_local.runtime import apply_environment, process_environment

    _check_reachable(emulator_url)
    path = find_template()
    parameters = LocalSettings.from_env().template_parameters
    stack = provision(load_template(path), emulator_url, parameters=parameters, base_dir=path.parent)
    apply_environment(process_environment(stack))


def deployed_environment(stack_name: str) -> None:
    """Point this process at a deployed CloudFormation stack, with the caller's AWS credentials."""
    from shop_local.runtime import apply_environment
    from shop_tools.deployed_stack import deployed_stack_environment

    apply_environment(deployed_stack_environment(stack_name), local=False)


def create_admin(email: str, password: str, name: str = "Administrator") -> str:
    """The new admin's user id; the core's ShopError otherwise (EmailTaken, ValidationFailed)."""
    from shop.bootstrap import build_auth_service

    return build_auth_service().create_admin(email, password, name).id


def promote_admin(email: str, password: str) -> Promotion:
    """InvalidCredentials unless the account exists and this is its password."""
    from shop.bootstrap import build_auth_service

    return build_auth_service().promote_existing(email, password)
