"""`python -m shop_local run`: the whole shop on one machine, until Ctrl-C.

Order matters for the user: settings and the gateway's port are checked before the slow steps,
so a typo or a second `make run` fails in a fraction of a second with one line. Everything that
was started is stopped again on SIGINT/SIGTERM, and nothing else.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from shop_local.settings import LocalSettings

StartResponse = Callable[..., Any]
_STOCK_MOVE = re.compile(r"\b(available|reserved|sold) = \1 - ")  # units leave one level for another


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived (a BaseException, so no `except Exception` on the way swallows it)."""


class StartingApp:
    """The WSGI app while the shop starts: /health says 503, anything else asks to retry."""

    def __init__(self) -> None:
        self.target: Callable[[dict[str, Any], StartResponse], Iterable[bytes]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.target is not None:
            return self.target(environ, start_response)
        body = json.dumps({"status": "starting"}).encode()
        start_response(
            "503 Service Unavailable", [("Content-Type", "application/json"), ("Retry-After", "1")]
        )
        return [body]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted()


def stop_on_signals() -> None:
    """Installed first thing: a shell's background job starts with SIGINT ignored."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)


def _seed() -> None:
    try:
        from shop_local.provisioning.seed import seed_demo_catalog
    except ImportError:
        print(
            "warning: shop_local.provisioning.seed is not there yet; starting with an empty catalog",
            file=sys.stderr,
        )
        return
    seed_demo_catalog()


def _inject_transaction_conflicts(catalog_table: str, times: int) -> Callable[[], None]:
    """SHOP_INJECT_TRANSACTION_CONFLICTS (tests): the first `times` transactions that move stock
    between levels of a CatalogTable stock shard (an order's reservation, sale, release or restock;
    not an admin's adjustment) on the core's shared DynamoDB client are cancelled as
    TransactionConflict, each one logged; the Lambda code never sees this setting."""
    from contextlib import ExitStack

    from shop.adapters.aws import client
    from shop_local.engines.transaction_conflicts import InjectedConflicts, transaction_conflicts
    from shop_local.json_log import emit as log

    def moves_stock(params: dict[str, Any]) -> bool:
        updates = [element.get("Update") or {} for element in params.get("TransactItems") or []]
        return any(
            u.get("TableName") == catalog_table and _STOCK_MOVE.search(str(u.get("UpdateExpression", "")))
            for u in updates
        )

    def logged(state: InjectedConflicts) -> None:
        log(event="transaction_conflict_injected", injected=state.injected, remaining=state.remaining)

    injection = ExitStack()
    injection.enter_context(transaction_conflicts(client("dynamodb"), times, moves_stock, logged))
    return injection.close


def _overrides(parameters: dict[str, str]) -> str:
    return ", ".join(f"{name}={value}" for name, value in sorted(parameters.items()))


def _banner(settings: LocalSettings, api_url: str, emulator_url: str, seconds: float) -> str:
    dynamodb = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    return "\n".join(
        [
            f"Serverless Shop is ready (started in {seconds:.1f} s)",
            f"  API            {api_url}",
            f"  API docs       {api_url}/docs",
            f"  OpenAPI        {api_url}/openapi.json",
            f"  AWS emulator   {emulator_url}   (AWS_ENDPOINT_URL for the aws CLI and boto3)",
            f"  Sent emails    {emulator_url}/_aws/ses",
            *([f"  DynamoDB       {dynamodb}   (AWS_ENDPOINT_URL_DYNAMODB)"] if dynamodb else []),
            *(
                [f"  Injecting      {settings.inject_transaction_conflicts} transaction conflicts (tests)"]
                if settings.inject_transaction_conflicts
                else []
            ),
            f"  Demo catalog   {'seeded' if settings.seed else 'not seeded (SHOP_SEED=0)'}",
            *(
                [f"  Parameters     {_overrides(settings.template_parameters)}   (from SHOP_* settings)"]
                if settings.template_parameters
                else []
            ),
            "Create an admin:  make admin EMAIL=you@example.com   (it asks for the password)",
            "Ctrl-C stops the shop.",
        ]
    )


def run(settings: LocalSettings, started: float) -> int:
    """Start everything, block until a signal, stop everything; the exit code."""
    from shop_local.api_gateway.http_server import serve
    from shop_local.engines.emulator import start_emulator
    from shop_local.iam.record import start_recording
    from shop_local.json_log import whole_lines
    from shop_local.lambda_runtime.containers import Functions
    from shop_local.listener import PortInUse
    from shop_local.provisioning.provision import provision
    from shop_local.provisioning.template import find_template, load_template
    from shop_local.runtime import apply_environment, build_gateway, build_pollers, process_environment

    whole_lines()  # handlers print from many threads into the same log
    stops: list[Callable[[], None]] = []
    iam_recorder = start_recording()  # SHOP_IAM_CHECK (the test suites): before any client exists
    stop_on_signals()
    try:
        starting = StartingApp()
        try:
            gateway_server = serve(starting, settings.host, settings.port)
        except PortInUse as exc:
            raise PortInUse(f"SHOP_PORT: {exc}") from None
        stops.append(gateway_server.stop)
        try:
            emulator = start_emulator(settings.emulator_port, settings.host)
        except PortInUse as exc:
            raise PortInUse(f"SHOP_EMULATOR_PORT: {exc}") from None
        stops.append(emulator.stop)
        template_path = find_template()
        stack = provision(
            load_template(template_path),
            emulator.url,
            parameters=settings.template_parameters,
            base_dir=template_path.parent,
        )
        if iam_recorder is not None:
            iam_recorder.describe(stack)
        apply_environment(process_environment(stack))
        if settings.inject_transaction_conflicts:
            catalog = stack.physical_id("CatalogTable")
            stops.append(_inject_transaction_conflicts(catalog, settings.inject_transaction_conflicts))
        functions = Functions(stack.functions())
        gateway = build_gateway(stack, functions)
        starting.target = gateway
        pollers = build_pollers(stack, functions)
        pollers.start()
        stops.append(pollers.stop)
        if settings.seed:
            _seed()
        gateway.ready.set()
        print(_banner(settings, gateway_server.url, emulator.url, time.monotonic() - started), flush=True)
        while True:
            time.sleep(3600)
    except Interrupted:
        print("Stopping the shop...", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for stop in reversed(stops):
            stop()
