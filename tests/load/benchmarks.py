"""The "Load test" section of BENCHMARKS.md (`make load LOAD_FLAGS=--benchmarks=BENCHMARKS.md`).

It sits between markers that `make bench` keeps as they are, the way the console's section does.
"""

from __future__ import annotations

import os
import platform
import re
import time
from importlib.metadata import version
from pathlib import Path

from tests.load.locust_run import ScenarioRun
from tests.load.oversell import StockCheck

START, END = "<!-- load-test:start -->", "<!-- load-test:end -->"
BLOCK = re.compile(re.escape(START) + ".*?" + re.escape(END) + "\n?", re.DOTALL)


def section(runs: list[ScenarioRun], checks: list[StockCheck], *, local: bool, hot_stock: int) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    where = (
        "a local shop (`python -m shop_local run`: every AWS API on the in-process moto emulator, the "
        "functions in local containers), so the figures are those of the local stack on this machine, "
        "not of AWS"
        if local
        else "a deployed stack"
    )
    lines = [
        START,
        "## Load test",
        "",
        f"`make load` (Locust {version('locust')}, headless; {when}) against {where}. Machine: "
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), shared with other work "
        f"(load average {os.getloadavg()[0]:.1f} at the end), Locust on the same machine. Printed, never "
        "asserted. Each scenario ran on its own, in turn, for the time shown, then let its users finish "
        f"their task; the flash sale's hot product had {hot_stock} units, the 8 other products plenty.",
        "",
    ]
    for run in runs:
        total = run.total
        summary = (
            f"{total.requests} requests, {total.per_second:.1f} req/s, {total.failures} failed"
            if total
            else ""
        )
        lines += [
            f"### {run.scenario.name}: {run.users} users, {run.duration}; {summary}",
            "",
            run.scenario.summary[0].upper() + run.scenario.summary[1:] + ".",
            "",
            "| route | requests | req/s | p50 ms | p95 ms | p99 ms | failed |",
            "|---|---|---|---|---|---|---|",
        ]
        for route, figures in sorted(run.routes.items(), key=lambda item: item[0].split(" ", 1)[1]):
            lines.append(
                f"| `{route}` | {figures.requests} | {figures.per_second:.1f} | {figures.p50_ms:.0f} | "
                f"{figures.p95_ms:.0f} | {figures.p99_ms:.0f} | {figures.failures} |"
            )
        lines += [""] + [f"- Failed: `{route}` {error} (x{count})" for route, error, count in run.failures]
        lines += [""] if run.failures else []
    oversold = [check for check in checks if check.problems]
    sold = sum(check.checked_out for check in checks)
    lines.append(
        f"Stock check after the runs: {len(checks)} products, {sold} units checked out (201), "
        + (
            f"**{len(oversold)} oversold**."
            if oversold
            else "none oversold (available + reserved + sold as stocked, none negative)."
        )
    )
    lines += [
        "",
        "- A 502 `INTERNAL` is the local gateway's answer, as API Gateway's, when a function fails or runs "
        "past its Timeout (20 s for the API's functions): latencies at 20 s are such timeouts.",
        "- The local figures say where the shop queues on this machine, not what AWS would sustain: "
        "moto serialises DynamoDB, and Locust, the shop and other work share the CPUs.",
    ]
    return "\n".join(lines) + "\n" + END + "\n"


def write_section(
    path: Path, runs: list[ScenarioRun], checks: list[StockCheck], *, local: bool, hot_stock: int
) -> None:
    text = section(runs, checks, local=local, hot_stock=hot_stock)
    current = path.read_text() if path.is_file() else "# Benchmarks\n"
    if BLOCK.search(current):
        current = BLOCK.sub(lambda _: text, current, count=1)
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current)
