"""One scenario as a headless Locust process, and what it measured (written by the locustfile).

Locust runs in a process of its own: it imports gevent, which patches the standard library, and
nothing else (the runner, pytest) should live in a patched process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.load.oversell import Ledger
from tests.load.scenarios import Scenario

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
STOP_TIMEOUT_SECONDS = 30  # users finish the task in hand, so that no change escapes the ledger


@dataclass(frozen=True)
class RouteFigures:
    requests: int
    failures: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


@dataclass
class ScenarioRun:
    scenario: Scenario
    users: int
    duration: str
    exit_code: int
    log: Path
    routes: dict[str, RouteFigures] = field(default_factory=dict)
    total: RouteFigures | None = None
    failures: list[tuple[str, str, int]] = field(default_factory=list)  # route, error, occurrences
    ledger: Ledger = field(default_factory=Ledger)

    @property
    def missing_routes(self) -> list[str]:
        return [route for route in self.scenario.routes if not self.routes.get(route, _NONE).requests]

    @property
    def completed(self) -> bool:
        return self.exit_code == 0 and self.total is not None and self.total.requests > 0


_NONE = RouteFigures(0, 0, 0.0, 0.0, 0.0, 0.0)


def run_scenario(
    scenario: Scenario, url: str, users: int, duration: str, work_dir: Path, env: dict[str, str]
) -> ScenarioRun:
    """Runs Locust headless for `duration` (then lets the users finish their task) and reads its figures."""
    result = work_dir / f"{scenario.name}.json"
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary"]
    command += ["--host", url, "--users", str(users), "--spawn-rate", str(users), "--run-time", duration]
    command += ["--stop-timeout", str(STOP_TIMEOUT_SECONDS), "--exit-code-on-error", "0"]
    command += ["--loglevel", "WARNING", *scenario.user_classes]
    log = work_dir / f"{scenario.name}.log"
    with log.open("wb") as sink:
        done = subprocess.run(
            command,
            env=env | {"SHOP_LOAD_RESULT": str(result)},
            stdout=sink,
            stderr=subprocess.STDOUT,
            check=False,
        )
    run = ScenarioRun(scenario, users, duration, done.returncode, log)
    if result.is_file():
        figures = json.loads(result.read_text())
        run.ledger = Ledger.from_json(figures["ledger"])
        run.total = RouteFigures(**figures["total"])
        run.routes = {route: RouteFigures(**values) for route, values in figures["routes"].items()}
        run.failures = [(route, error, count) for route, error, count in figures["failures"]]
    return run


def format_run(run: ScenarioRun) -> list[str]:
    """The scenario's table: throughput and latency percentiles per route, then the failures."""
    total = run.total or _NONE
    lines = [
        f"scenario {run.scenario.name} ({run.scenario.summary}): {run.users} users, {run.duration}; "
        f"{total.requests} requests, {total.per_second:.1f} req/s, {total.failures} failures",
        f"  {'route':<52} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'failed':>6}",
    ]
    for route, figures in sorted(run.routes.items(), key=lambda item: item[0].split(" ", 1)[1]):
        lines.append(
            f"  {route:<52} {figures.requests:>8} {figures.per_second:>7.1f} {figures.p50_ms:>7.0f} "
            f"{figures.p95_ms:>7.0f} {figures.p99_ms:>7.0f} {figures.failures:>6}"
        )
    lines += [f"  failed: {route}: {error} (x{count})" for route, error, count in run.failures]
    if run.missing_routes:
        lines.append(f"  routes with no request: {', '.join(run.missing_routes)}")
    if not run.completed:
        tail = run.log.read_text(errors="replace").splitlines()[-20:] if run.log.is_file() else []
        lines.append(f"  Locust did not complete (exit {run.exit_code}); the end of its output:")
        lines += [f"    {line}" for line in tail]
    return lines
