"""The command line of the local shop: `run` and `admin`; every failure is one clear line, no traceback.

Exit codes: 0 done, 1 could not start or could not do it, 2 bad settings or arguments.
"""

from __future__ import annotations

import argparse
import sys
import time

from shop_local.settings import LocalSettings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shop_local", description="The Serverless Shop on this machine."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="run the whole shop locally until Ctrl-C (SHOP_* settings from the environment)"
    )
    admin = commands.add_parser("admin", help="create or promote an admin in the running local shop")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    where = admin.add_mutually_exclusive_group()
    where.add_argument(
        "--emulator-url", help="the local emulator (default http://127.0.0.1:$SHOP_EMULATOR_PORT)"
    )
    where.add_argument("--stack", help="a deployed CloudFormation stack instead (uses your AWS credentials)")
    return parser


def _fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return code


def _run() -> int:
    started = time.monotonic()
    from shop_local.runner import Interrupted, stop_on_signals

    stop_on_signals()
    try:
        return _start(started)
    except Interrupted:
        return 0


def _start(started: float) -> int:
    from shop_local.intrinsics import ProvisionError
    from shop_local.listener import PortInUse
    from shop_local.runner import run
    from shop_local.runtime import EnvironmentConflict

    try:
        settings = LocalSettings.from_env()
        return run(settings, started)
    except SettingsError as exc:
        return _fail(str(exc), 2)
    except PortInUse as exc:
        return _fail(str(exc))
    except ProvisionError as exc:
        return _fail(f"template.yaml could not be provisioned: {exc}")
    except (EnvironmentConflict, FileNotFoundError) as exc:
        return _fail(str(exc))


def _admin(args: argparse.Namespace) -> int:
    from shop.errors import ShopError
    from shop_local.admin import ShopNotRunning, create_admin, deployed_environment, local_environment
    from shop_local.intrinsics import ProvisionError

    try:
        if args.stack:
            deployed_environment(args.stack)
        else:
            port = LocalSettings.from_env().emulator_port
            local_environment(args.emulator_url or f"http://127.0.0.1:{port}")
        user_id = create_admin(args.email, args.password)
    except SettingsError as exc:
        return _fail(str(exc), 2)
    except ShopError as exc:
        details = f" ({exc.details})" if exc.details else ""
        return _fail(f"{exc.message}{details}", 2 if exc.code == "VALIDATION_ERROR" else 1)
    except (ShopNotRunning, ProvisionError, FileNotFoundError) as exc:
        return _fail(str(exc))
    print(f"{args.email} is an admin (user id {user_id}). Log in with POST /auth/login.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _run() if args.command == "run" else _admin(args)
