"""`make bench`: run every benchmark module of tests/bench and write BENCHMARKS.md.

    .venv/bin/python tests/bench/run.py            # full run, writes BENCHMARKS.md at the repo root
    .venv/bin/python tests/bench/run.py --quick    # smoke run (small counts), writes to a temp file
    .venv/bin/python tests/bench/run.py --only aws_calls --only cost   # rewrites those sections only
    .venv/bin/python tests/bench/run.py --only cold_start --functions Me,Checkout,peer  # a probe, to a temp file

Benchmark modules are the files `tests/bench/bench_*.py`; each exposes `run(ctx) -> str`, returning
one Markdown section (starting with `## Title`). Figures are printed, never asserted: a benchmark
fails only if it cannot run. With `--only`, the report's other sections are kept as they were;
blocks that other tools write into the report (between `<!-- name:start -->` and
`<!-- name:end -->`, such as `make console-bench`'s) are always kept. `ctx` is a BenchContext:

- `ctx.quick` (bool): smoke run; use `ctx.pick(full=..., quick=...)` for every count.
- `ctx.functions` (frozenset of logical ids, the `Function` suffix dropped; "peer" for a benchmark's
  peer): `--functions`, the functions a benchmark that measures each function measures; empty for all.
  Such a run's report goes to a temp file unless `--output` says otherwise (a section measured on a
  few functions must not replace the full one).
- `ctx.rounds` (int or None): `--rounds`, for a benchmark made of rounds (cold start) on a machine too
  busy for its own count; the section says how many rounds it ran.
- `ctx.shop` (local_shop.LocalShop): the whole local shop started in this process (emulator,
  template provisioned, function containers, gateway with the real authorizers, SQS/stream/
  schedule pollers). `ctx.shop.request(method, path, body, token, headers)` goes through the
  gateway; `ctx.shop.calls` records every AWS call by function (botocore hooks, with DynamoDB
  ConsumedCapacity); `ctx.shop.invocations` times every invocation; `ctx.shop.drain()` waits for
  the queues and streams; `ctx.shop.stack` is the provisioned Stack; `ctx.shop.environment` the
  functions' environment (for subprocesses).
- `ctx.fixtures()`: shared shop_fixtures.ShopFixtures (an admin, customers, a stocked catalog).
- `ctx.route_cases()`: route_cases.RouteCase for every API route (one repeatable request each).
- `ctx.engine`: "DynamoDB Local" (the real engine: real ConsumedCapacity and contention) or "moto".
  `ctx.dynamodb_local_url` is set in the first case. DynamoDB Local must run inside a private
  network namespace, so by default this script re-runs itself under infra/run-in-netns.sh when
  DynamoDB Local is installed (`--engine moto` runs everything on the emulator instead). When it is
  not available, a run that would write BENCHMARKS.md writes to a temp file instead: moto's
  capacity units are placeholders, and must not replace measured ones.
- `ctx.root` (repo root), `ctx.work_dir` (scratch directory), `ctx.progress(message)` (a line on
  the console; stdout and stderr of the process, function logs included, go to `ctx.log_path`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from local_shop import LocalShop, start_local_shop

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# cold_start last: its probes' sample events (e.g. the publisher's) leave messages for the consumers
FIRST = ["aws_calls", "warm_cost", "cost", "hot_product", "cold_start"]  # then any other, alphabetically
COMMAND_VARIABLE = "SHOP_BENCH_COMMAND"
# The report's first lines, in this form (a check reads them); bench modules fill ctx.headline.
HEADLINE = (
    "WRU per paid order",
    "Cost per 1,000 orders without email (USD)",
    "Items written by two users' requests",
    "Hot product ratio (AWS conflict model)",
)
KEPT_BLOCK = re.compile(r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->\n?", re.DOTALL)


@dataclass
class BenchContext:
    quick: bool
    shop: LocalShop
    engine: str
    dynamodb_local_url: str | None
    root: Path
    work_dir: Path
    log_path: Path
    console: IO[str]
    functions: frozenset[str] = frozenset()  # --functions: only these (logical ids without "Function")
    rounds: int | None = (
        None  # --rounds: how many rounds a benchmark made of rounds runs, if not its own count
    )
    headline: dict[str, str] = field(default_factory=dict)  # HEADLINE figures the modules measured
    _cache: dict[str, Any] = field(default_factory=dict)

    def pick(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def wants(self, name: str) -> bool:
        """Whether a per-function benchmark measures this function (a logical id, or "peer")."""
        return not self.functions or name.removesuffix("Function") in self.functions

    def progress(self, message: str) -> None:
        print(f"[bench] {message}", file=self.console, flush=True)

    def fixtures(self) -> Any:
        if "fixtures" not in self._cache:
            from shop_fixtures import ShopFixtures

            self._cache["fixtures"] = ShopFixtures(self.shop)
        return self._cache["fixtures"]

    def route_cases(self) -> list[Any]:
        if "cases" not in self._cache:
            from route_cases import route_cases

            self._cache["cases"] = route_cases(self.fixtures())
        return list(self._cache["cases"])


def modules(only: list[str]) -> list[str]:
    found = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    ordered = [name for name in FIRST if name in found] + [name for name in found if name not in FIRST]
    if only:
        unknown = sorted(set(only) - set(found))
        if unknown:
            raise SystemExit(f"no benchmark named {', '.join(unknown)} (have: {', '.join(found)})")
        ordered = [name for name in ordered if name in only]
    return ordered


def machine() -> str:
    memory_kib = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}, "
        f"{memory_kib / 1024 / 1024:.1f} GiB memory, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()} {platform.machine()}"
    )


def versions() -> str:
    from importlib.metadata import version

    names = ("boto3", "aws-lambda-powertools", "pydantic", "cryptography", "moto")
    return ", ".join(f"{name} {version(name)}" for name in names)


@contextlib.contextmanager
def output_to(log_path: Path) -> Iterator[IO[str]]:
    """Everything written to stdout/stderr (function logs, the gateway's access log, warnings)
    goes to the log; the returned stream is the console."""
    sys.stdout.flush()
    sys.stderr.flush()
    console = os.fdopen(os.dup(1), "w", buffering=1)
    saved_err = os.dup(2)
    with log_path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield console
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(console.fileno(), 1)
        os.dup2(saved_err, 2)
        os.close(saved_err)


def reexec_in_private_network(args: argparse.Namespace) -> None:
    """DynamoDB Local listens on every interface: run it (and us) in a private network namespace."""
    from shop_local.engines import dynamodb_local

    if args.engine == "moto" or dynamodb_local.in_private_network() or dynamodb_local.jar_path() is None:
        return
    script = ROOT / "infra" / "run-in-netns.sh"
    works = subprocess.run([str(script), "true"], capture_output=True, check=False).returncode == 0
    if not works:
        if args.engine == "dynamodb-local":
            raise SystemExit(
                "cannot create a private network namespace for DynamoDB Local (see infra/run-in-netns.sh)"
            )
        print("[bench] no private network namespace here: DynamoDB on the emulator (moto)", flush=True)
        return
    os.environ.setdefault(
        COMMAND_VARIABLE, shlex.join([".venv/bin/python", "tests/bench/run.py", *sys.argv[1:]])
    )
    arguments = [str(script), sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    os.execv(str(script), arguments)  # noqa: S606 - our own script, arguments as a list


def start_engine(args: argparse.Namespace) -> tuple[Any, str | None]:
    from shop_local.engines import dynamodb_local

    if args.engine == "moto" or not dynamodb_local.in_private_network() or dynamodb_local.jar_path() is None:
        if args.engine == "dynamodb-local":
            raise SystemExit(f"DynamoDB Local is not available: {dynamodb_local.install_hint()}")
        return None, None
    engine = dynamodb_local.start()
    return engine, engine.url


def _sections(text: str) -> list[str]:
    """A report's `## ` sections, in order, each from its heading to the next one (header dropped)."""
    parts = re.split(r"(?m)^(?=## )", text)
    return [part.strip() for part in parts if part.startswith("## ")]


def merged_report(header_text: str, sections: list[str], previous: str, keep_others: bool) -> str:
    """The header and the sections just run; with `keep_others` the previous report's other sections
    too, each in its place; and always the previous report's blocks that other tools wrote."""
    kept_blocks = [match.group(0).strip() for match in KEPT_BLOCK.finditer(previous)]
    fresh = {section.splitlines()[0]: section for section in sections}
    ordered = []
    if keep_others:
        for old in _sections(KEPT_BLOCK.sub("", previous)):
            ordered.append(fresh.pop(old.splitlines()[0], old))
    ordered += [section for section in sections if section.splitlines()[0] in fresh]
    return "\n\n".join([header_text, *ordered, *kept_blocks]) + "\n"


def _kept_from(previous: str) -> str:
    """Where the sections a `--only` run keeps come from: the last full run's command line."""
    lines = previous.splitlines()
    marker = "the other sections are from: "
    for line in lines:  # a report of an earlier --only run already names it (after its own details)
        if line.startswith("- This run:") and f"; {marker}" in line:
            return marker + line.split(f"; {marker}", 1)[1]
    full = next((line[2:] for line in lines if line.startswith("- Command:")), "")
    return f"the other sections are from: {full}" if full else "the other sections are from an earlier run."


def headline(measured: dict[str, str], previous: str) -> str:
    """The HEADLINE lines: this run's figures, else the previous report's, else "not measured"."""
    before = dict(re.findall(r"(?m)^- (.+?): (.+)$", previous.split("# Benchmarks", 1)[0]))
    return "\n".join(
        f"- {name}: {measured.get(name) or before.get(name, 'not measured')}" for name in HEADLINE
    )


def header(command: str, started: datetime.datetime, seconds: float, ctx: BenchContext) -> str:
    engine = (
        "DynamoDB on DynamoDB Local (AWS's engine: real ConsumedCapacity), everything else on the embedded "
        "emulator (moto)"
        if ctx.engine == "DynamoDB Local"
        else "everything on the embedded emulator (moto; its ConsumedCapacity figures are placeholders)"
    )
    return "\n".join(
        [
            "# Benchmarks" + (" (quick smoke run: counts too small to quote)" if ctx.quick else ""),
            "",
            f"- Command: `{command}` (`make bench`), {started:%Y-%m-%d %H:%M} UTC, {seconds / 60:.1f} minutes.",
            f"- Machine: {machine()}; shared with other work, so absolute times move between runs; "
            "every ratio below is measured side by side in the same run.",
            f"- Local cloud: {engine}; {versions()}.",
            "- Nothing here is a pass/fail test on time; call budgets are also asserted in "
            "`tests/integration/test_call_budgets.py`.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run with small counts")
    parser.add_argument("--only", action="append", default=[], help="run only this benchmark (repeatable)")
    parser.add_argument("--output", type=Path, help="where to write the report")
    parser.add_argument("--engine", choices=["auto", "dynamodb-local", "moto"], default="auto")
    parser.add_argument(
        "--functions",
        type=_function_names,
        default=frozenset(),
        help="comma-separated logical ids (Me,Checkout,...; 'peer' for the peer): only these functions "
        "(and the baseline) in per-function benchmarks; the report goes to a temp file",
    )
    parser.add_argument("--rounds", type=int, help="rounds of a benchmark made of rounds (cold start: 15)")
    args = parser.parse_args(argv)
    reexec_in_private_network(args)
    names = modules(args.only)
    default_output = (
        Path(tempfile.gettempdir()) / "BENCHMARKS.quick.md"
        if args.quick or args.functions
        else ROOT / "BENCHMARKS.md"
    )
    output = args.output or default_output
    command = os.environ.get(COMMAND_VARIABLE) or shlex.join(
        [".venv/bin/python", "tests/bench/run.py", *sys.argv[1:]]
    )
    work_dir = Path(tempfile.mkdtemp(prefix="shop-bench-"))
    log_path = work_dir / "bench.log"
    started, clock = datetime.datetime.now(datetime.UTC), time.monotonic()
    print(f"[bench] {', '.join(names)}; logs in {log_path}", flush=True)
    sections: list[str] = []
    failures: list[str] = []
    engine, engine_url = start_engine(args)
    if (
        engine_url is None
        and args.engine == "auto"
        and args.output is None
        and output == ROOT / "BENCHMARKS.md"
    ):
        # moto's capacity units are placeholders: they must not replace the report's measured ones
        output = Path(tempfile.gettempdir()) / "BENCHMARKS.moto.md"
        print(
            f"[bench] DynamoDB Local is not available (not installed: make bench installs it; or no "
            f"private network namespace): running on moto, whose capacity units are placeholders, so "
            f"the report goes to {output}",
            flush=True,
        )
    try:
        with output_to(log_path) as console:
            shop = start_local_shop(log_path, engine_url)
            ctx = BenchContext(
                quick=args.quick,
                functions=args.functions,
                rounds=args.rounds,
                shop=shop,
                engine=shop.engine,
                dynamodb_local_url=engine_url,
                root=ROOT,
                work_dir=work_dir,
                log_path=log_path,
                console=console,
            )
            try:
                for name in names:
                    sections.append(run_one(name, ctx, failures))
            finally:
                shop.stop()
    finally:
        if engine is not None:
            engine.stop()
    heading = header(command, started, time.monotonic() - clock, ctx)
    previous = output.read_text() if output.is_file() else ""
    if args.only:
        heading += f"\n- This run: {', '.join(names)} only; " + _kept_from(previous)
    heading = headline(ctx.headline, previous) + "\n\n" + heading
    output.write_text(merged_report(heading, sections, previous, keep_others=bool(args.only)))
    print(f"[bench] wrote {output}" + (f"; FAILED: {', '.join(failures)}" if failures else ""), flush=True)
    return 1 if failures else 0


def _function_names(text: str) -> frozenset[str]:
    return frozenset(name.strip().removesuffix("Function") for name in text.split(",") if name.strip())


def run_one(name: str, ctx: BenchContext, failures: list[str]) -> str:
    ctx.progress(f"{name}: starting")
    clock = time.monotonic()
    try:
        module = importlib.import_module(f"bench_{name}")
        run: Callable[[BenchContext], str] = module.run
        section = run(ctx)
    except Exception as exc:  # a broken benchmark is reported, and the others still run
        failures.append(name)
        details = traceback.format_exc()
        print(details, file=ctx.console, flush=True)
        return f"## {name}\n\nThis benchmark failed to run: `{type(exc).__name__}: {exc}`."
    ctx.progress(f"{name}: done in {time.monotonic() - clock:.0f} s")
    return section


if __name__ == "__main__":
    raise SystemExit(main())
