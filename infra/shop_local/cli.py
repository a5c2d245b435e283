"""The command line of the local shop: `run`; every failure is one clear line, no traceback.

The operator's commands that also work on a deployed stack (`admin`, ...) are `python -m shop_tools`.

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
    from shop_local.listener import PortInUse
    from shop_local.provisioning.intrinsics import ProvisionError
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


def main(argv: list[str] | None = None) -> int:
    _parser().parse_args(argv)
    return _run()  # the only command
