"""`make load`: Locust load test of the shop, headless, then a check that no unit was oversold.

    python -m tests.load.run                                  # a local shop on free ports, every scenario
    python -m tests.load.run --scenario flash --users 40 --duration 2m
    SHOP_LOAD_ADMIN_EMAIL=.. SHOP_LOAD_ADMIN_PASSWORD=.. python -m tests.load.run --url https://...

Without --url it starts `python -m shop_local run` (as tests/e2e does) with the per-client limits
on sign-ups and guest tokens lifted (every user comes from 127.0.0.1), makes an admin with the
project's admin command, and stops the shop afterwards. It stocks a catalog of its own, runs the
scenarios one after another (tests/load/scenarios.py), prints per route the throughput and the
p50/p95/p99 latencies and the failures, then checks the stock of every product it sold.
Exit status: 0; 1 if a unit was oversold; 2 if the run could not be set up or a scenario did not complete.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import NoReturn

import requests

from tests.conftest import HotSale
from tests.e2e.conftest import running_shop
from tests.load.locust_run import ScenarioRun, format_run, run_scenario
from tests.load.oversell import Ledger, StockCheck, check_stock, format_checks
from tests.load.scenarios import SCENARIOS

ADMIN_VARIABLES = ("SHOP_LOAD_ADMIN_EMAIL", "SHOP_LOAD_ADMIN_PASSWORD")
CATALOG_SIZE = 8
CATALOG_STOCK = 100_000
UNLIMITED = str(10_000_000)
LOCAL_SETTINGS = {
    "SHOP_SEED": "0",
    "SHOP_REGISTRATIONS_PER_IP": UNLIMITED,
    "SHOP_GUEST_TOKENS_PER_IP": UNLIMITED,
    "SHOP_FAILED_LOGINS_PER_IP": UNLIMITED,
}
DURATION = re.compile(r"^(\d+)([smh]?)$")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.load.run", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a deployed shop's API (admin from $SHOP_LOAD_ADMIN_EMAIL/_PASSWORD)")
    parser.add_argument("--users", type=int, default=10, help="concurrent users per scenario (default 10)")
    parser.add_argument("--duration", default="60s", help="per scenario: 60, 60s, 2m, 1h (default 60s)")
    parser.add_argument(
        "--scenario", default="all", choices=["all", *SCENARIOS], help="default: all, in turn"
    )
    parser.add_argument("--hot-stock", type=int, help="the flash sale's stock (default: as many as users)")
    parser.add_argument("--summary", type=Path, help="also write the figures and the check here (JSON)")
    parser.add_argument("--benchmarks", type=Path, help="also write the figures into this BENCHMARKS.md")
    args = parser.parse_args(argv)
    match = DURATION.match(args.duration)
    if match is None or int(match.group(1)) < 1:
        parser.error(f"--duration must be like 60, 60s, 2m or 1h, got {args.duration!r}")
    args.duration = match.group(1) + (match.group(2) or "s")
    if args.users < 1 or (args.hot_stock is not None and args.hot_stock < 1):
        parser.error("--users and --hot-stock must be at least 1")
    if args.url and not all(os.environ.get(name) for name in ADMIN_VARIABLES):
        parser.error(f"--url needs an admin's credentials in {' and '.join(ADMIN_VARIABLES)}")
    return args


@contextmanager
def _target(url: str | None, work_dir: Path) -> Iterator[tuple[str, str, str]]:
    """The shop's URL and an admin's email and password: given, or a local shop made for the run."""
    if url:
        yield url.rstrip("/"), os.environ[ADMIN_VARIABLES[0]], os.environ[ADMIN_VARIABLES[1]]
        return
    print("starting a local shop (python -m shop_local run) ...", flush=True)
    with running_shop(work_dir, LOCAL_SETTINGS) as shop:
        email, password = f"load-admin-{uuid.uuid4().hex[:8]}@example.com", f"load-{uuid.uuid4().hex}"
        made = shop.make_admin(email, password)
        if made.returncode != 0:
            _give_up(f"the admin command failed: {made.stderr}")
        yield shop.url, email, password


def _admin(url: str, email: str, password: str) -> HotSale:
    try:
        answer = HotSale(url, "").call("POST", "/auth/login", json={"email": email, "password": password})
    except requests.ConnectionError as error:
        _give_up(f"nothing answers at {url}: {error}")
    if answer.status_code != 200:
        _give_up(f"the admin could not sign in: {answer.status_code} {answer.text[:200]}")
    return HotSale(url, answer.json()["access_token"])


def _give_up(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    scenarios = list(SCENARIOS.values()) if args.scenario == "all" else [SCENARIOS[args.scenario]]
    with (
        tempfile.TemporaryDirectory(prefix="shop-load-") as scratch,
        _target(args.url, Path(scratch)) as target,
    ):
        url, email, password = target
        work_dir = Path(scratch)
        shop = _admin(url, email, password)
        hot_stock = args.hot_stock or args.users
        opening = {shop.product(CATALOG_STOCK): CATALOG_STOCK for _ in range(CATALOG_SIZE)}
        hot_product = shop.product(hot_stock)
        plan = work_dir / "plan.json"
        plan.write_text(json.dumps({"products": list(opening), "hot_product": hot_product}))
        opening[hot_product] = hot_stock
        env = {**os.environ, "SHOP_LOAD_PLAN": str(plan), "SHOP_LOAD_ADMIN_EMAIL": email}
        env["SHOP_LOAD_ADMIN_PASSWORD"] = password
        print(
            f"target {url}; {CATALOG_SIZE} products of {CATALOG_STOCK} units, a hot one of {hot_stock}",
            flush=True,
        )
        runs: list[ScenarioRun] = []
        for scenario in scenarios:
            print(f"running {scenario.name}: {args.users} users for {args.duration} ...", flush=True)
            runs.append(run_scenario(scenario, url, args.users, args.duration, work_dir, env))
            print("\n".join(format_run(runs[-1])), flush=True)
        ledger = Ledger()
        for run in runs:
            ledger.add(run.ledger)
        checks = check_stock(opening, ledger, _admin(url, email, password).levels)
        print("\n".join(format_checks(checks)), flush=True)
    if args.summary:
        args.summary.write_text(json.dumps(_summary(url if args.url else "local", runs, checks), indent=2))
    if args.benchmarks:
        from tests.load.benchmarks import write_section

        write_section(args.benchmarks, runs, checks, local=not args.url, hot_stock=hot_stock)
    if any(check.problems for check in checks):
        return 1
    return 0 if all(run.completed for run in runs) else 2


def _summary(target: str, runs: list[ScenarioRun], checks: list[StockCheck]) -> dict[str, object]:
    return {
        "target": target,
        "scenarios": [
            {
                "name": run.scenario.name,
                "completed": run.completed,
                "users": run.users,
                "duration": run.duration,
                "total": asdict(run.total) if run.total else None,
                "routes": {route: asdict(figures) for route, figures in run.routes.items()},
                "missing_routes": run.missing_routes,
                "failures": [list(failure) for failure in run.failures],
            }
            for run in runs
        ],
        "stock": [asdict(check) for check in checks],
        "oversold": any(check.problems for check in checks),
    }


if __name__ == "__main__":
    sys.exit(main())
