"""The operator's command line: `python -m shop_tools admin ...`, on the local shop or on a deployed
stack (`--stack`); every failure is one clear line, no traceback.

Exit codes: 0 done, 1 could not do it, 2 bad settings or arguments.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from shop_local.settings import LocalSettings, SettingsError

PASSWORD_VARIABLE = "SHOP_ADMIN_PASSWORD"  # noqa: S105 - the name of the variable, not a password


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shop_tools", description="Operator commands for a local shop or a deployed stack."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser(
        "admin",
        help=(
            "create an admin (or, with --promote, make an existing account one) in the running local "
            "shop, or in a deployed stack (--stack)"
        ),
        description=(
            "Creates an admin account. The password is asked for in a terminal, or read from "
            f"${PASSWORD_VARIABLE}, or from standard input with --password-stdin; never from the command line."
        ),
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Administrator", help="the new admin's name")
    admin.add_argument(
        "--promote",
        action="store_true",
        help="make the existing account with this email an admin; the password must be that account's own",
    )
    admin.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    admin.add_argument("--password", help=argparse.SUPPRESS)  # refused with a pointer to the ways above
    where = admin.add_mutually_exclusive_group()
    where.add_argument(
        "--emulator-url", help="the local emulator (default http://127.0.0.1:$SHOP_EMULATOR_PORT)"
    )
    where.add_argument("--stack", help="a deployed CloudFormation stack instead (uses your AWS credentials)")
    return parser


class NoPassword(ValueError):
    """No password was given in any of the accepted ways; the message says how to give one."""


def _admin_password(args: argparse.Namespace) -> str:
    """From standard input (--password-stdin), the environment, or a prompt in a terminal."""
    if args.password is not None:
        raise NoPassword(
            "--password would leave the password in your shell history and the process list: "
            f"set {PASSWORD_VARIABLE}, pass --password-stdin, or type it when asked"
        )
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    if not sys.stdin.isatty():
        raise NoPassword(f"no password: set {PASSWORD_VARIABLE}, pass --password-stdin, or run in a terminal")
    password = getpass.getpass(f"Password for {args.email}: ")
    if not args.promote and getpass.getpass("The same password again: ") != password:
        raise NoPassword("the two passwords differ; nothing was done")
    return password


def _fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return code


def _admin(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from shop.errors import EmailTaken, InvalidCredentials, ShopError
    from shop_local.provisioning.intrinsics import ProvisionError
    from shop_tools.admin import (
        ShopNotRunning,
        create_admin,
        deployed_environment,
        local_environment,
        promote_admin,
    )

    try:
        password = _admin_password(args)
        if args.stack:
            deployed_environment(args.stack)
        else:
            port = LocalSettings.from_env().emulator_port
            local_environment(args.emulator_url or f"http://127.0.0.1:{port}")
        if not args.promote:
            user_id = create_admin(args.email, password, args.name)
            print(f"Created the admin {args.email} (user id {user_id}). Log in with POST /auth/login.")
            return 0
        promotion = promote_admin(args.email, password)
    except NoPassword as exc:
        return _fail(str(exc), 2)
    except SettingsError as exc:
        return _fail(str(exc), 2)
    except EmailTaken:
        return _fail(
            f"{args.email} already has an account; nothing was done. To make that account an admin, "
            "run again with --promote and that account's own password."
        )
    except InvalidCredentials:
        return _fail(f"{args.email} has no account, or that is not its password; nothing was promoted.")
    except ShopError as exc:
        details = f" ({exc.details})" if exc.details else ""
        return _fail(f"{exc.message}{details}", 2 if exc.code == "VALIDATION_ERROR" else 1)
    except (ShopNotRunning, ProvisionError, FileNotFoundError) as exc:
        return _fail(str(exc))
    except (ClientError, BotoCoreError) as exc:  # on a deployed stack: AccessDenied, no credentials
        return _fail(f"AWS refused or could not be reached: {exc}")
    user = promotion.user
    if promotion.already_admin:
        print(f"{args.email} is an admin already (user id {user.id}); nothing changed.")
    else:
        print(f"Promoted {args.email} to admin (user id {user.id}). Log in with POST /auth/login.")
    return 0


def main(argv: list[str] | None = None) -> int:
    return _admin(_parser().parse_args(argv))  # the only command so far
