"""`make console-bench`: the admin console's two budgets, measured and printed (never asserted).

1. Initial JavaScript: the scripts index.html loads before anything is shown (its module script and
   the chunks it preloads), gzipped (level 6, what web servers and CloudFront use). The dashboard's
   own chunk (the chart library) loads after sign-in and is printed apart.
2. Dashboard render: in headless Chromium, against a local shop this script starts (seeded catalog,
   paid orders), from the click on "Sign in" (the navigation to the dashboard) until the dashboard
   shows its data: the sales figures, the revenue chart's bars, the low-stock and recent-order
   rows. Median of 5, each in a fresh browser profile (nothing cached). The sign-in call itself
   (Argon2id on the shop) is part of it and printed apart too.

`--write` also replaces the console section of BENCHMARKS.md with the figures.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "admin-console" / "dist"
RUNS = 5
BUDGET_KB, BUDGET_MS = 450, 1500
SECTION_START, SECTION_END = "<!-- console-bench:start -->", "<!-- console-bench:end -->"
DASHBOARD_READY = """() => {
  const figures = document.querySelector('[data-testid="sales-figures"]');
  const bars = document.querySelectorAll('[data-testid="revenue-chart"] .recharts-bar-rectangle');
  const orders = document.querySelectorAll('table[aria-label="Recent orders"] tbody tr');
  const low = document.querySelectorAll('table[aria-label="Low stock"] tbody tr');
  return Boolean(figures) && !figures.textContent.includes('$0.00') && bars.length > 0 && orders.length > 0 && low.length > 0;
}"""


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def gzipped_kb(paths: list[Path]) -> float:
    return sum(len(gzip.compress(p.read_bytes(), compresslevel=6)) for p in paths) / 1024


def initial_scripts() -> tuple[list[Path], list[Path]]:
    """(what index.html loads, every other chunk)."""
    html = (DIST / "index.html").read_text()
    named = re.findall(r'<script[^>]+src="/console/([^"]+)"', html)
    named += re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="/console/([^"]+)"', html)
    initial = [DIST / name for name in named]
    others = [p for p in sorted((DIST / "assets").glob("*.js")) if p not in initial]
    return initial, others


def start_shop(e2e: Any, workdir: Path) -> Any:
    port, emulator_port = e2e._free_port(), e2e._free_port()
    output = workdir / "shop.log"
    env = {**os.environ, "SHOP_PORT": str(port), "SHOP_EMULATOR_PORT": str(emulator_port), "SHOP_SEED": "1"}
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "shop_local", "run"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    shop = e2e.LocalShop(
        f"http://127.0.0.1:{port}", f"http://127.0.0.1:{emulator_port}", process, output, 0.0
    )
    e2e._wait_healthy(shop)
    return shop


def measure_dashboard(browser_tests: Any, shop: Any) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    api = browser_tests.ShopApi(shop)
    email, password = "bench-admin@example.com", "a console bench password"
    made = shop.make_admin(email, password)
    assert made.returncode == 0, made.stderr
    admin = browser_tests.Credentials(email, password)
    token = api.token(admin)
    product = api.product(token, "Bench lamp", stock=50)
    api.product(token, "Bench vase", stock=2)
    buyer = api.customer("bench")
    paid = [api.paid_order(buyer, product["id"], quantity) for quantity in (1, 2, 3)]
    api.wait_for_revenue(token, sum(order["total_cents"] for order in paid))

    renders, logins = [], []
    console = browser_tests.Console(f"{shop.url}/console/")
    with sync_playwright() as driver:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = driver.chromium.launch(executable_path=str(browser_tests.CHROMIUM), args=args)
        for _ in range(RUNS):
            context = browser_tests.new_context(browser)
            page = context.new_page()
            page.goto(console.url)
            page.get_by_label("Email", exact=True).fill(admin.email)
            page.get_by_label("Password", exact=True).fill(admin.password)
            with page.expect_response(lambda answer: answer.url.endswith("/auth/login")) as login:
                started = time.perf_counter()
                page.get_by_role("button", name="Sign in").click()
            page.wait_for_function(DASHBOARD_READY, polling="raf", timeout=60_000)
            renders.append((time.perf_counter() - started) * 1000)
            timing = login.value.request.timing
            logins.append(timing["responseEnd"] - timing["requestStart"])
            context.close()
        browser.close()
    return renders, logins


def report(initial: list[Path], others: list[Path], renders: list[float], logins: list[float]) -> str:
    initial_kb, dashboard_kb = gzipped_kb(initial), gzipped_kb([p for p in others if "Dashboard" in p.name])
    median = statistics.median(renders)
    rest = [p for p in others if "Dashboard" not in p.name]
    load = os.getloadavg()[0]
    lines = [
        f"- Initial JavaScript: {initial_kb:.0f} KB gzipped ({', '.join(p.name for p in initial)}); "
        f"budget {BUDGET_KB} KB: {'met' if initial_kb <= BUDGET_KB else 'NOT met'}.",
        f"- Loaded after sign-in: the dashboard's chunk (recharts), {dashboard_kb:.0f} KB gzipped"
        + (f"; other lazy chunks {gzipped_kb(rest):.0f} KB." if rest else "."),
        f"- Dashboard rendered with data, from the click on Sign in: median {median:.0f} ms of {RUNS} "
        f"({', '.join(f'{r:.0f}' for r in renders)} ms); budget {BUDGET_MS} ms: "
        f"{'met' if median <= BUDGET_MS else 'NOT met'}.",
        f"- Of which the sign-in request (Argon2id on the shop): median {statistics.median(logins):.0f} ms.",
        "- Debian's Chromium, headless, a fresh profile per run, against a local shop "
        f"(`make run` code, moto emulator); load average {load:.1f} on {os.cpu_count()} CPUs at the end.",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text()
    section = (
        f"{SECTION_START}\n## Admin console\n\n`make console-bench` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); printed, never asserted.\n\n{text}\n{SECTION_END}\n"
    )
    if SECTION_START in current:
        before, rest = current.split(SECTION_START, 1)
        after = rest.split(SECTION_END, 1)[1].lstrip("\n")
        current = before + section + after
    else:
        current = current.rstrip("\n") + "\n\n" + section
    path.write_text(current)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="also put the figures in BENCHMARKS.md")
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        print("the console is not built: run `make console`", file=sys.stderr)
        return 1
    browser_tests = _load("console_bench_conftest", ROOT / "tests/browser/conftest.py")
    e2e = sys.modules["browser_e2e_conftest"]
    import tempfile

    with tempfile.TemporaryDirectory() as workdir:
        shop = start_shop(e2e, Path(workdir))
        try:
            renders, logins = measure_dashboard(browser_tests, shop)
        finally:
            shop.process.terminate()
            shop.process.wait(timeout=20)
    text = report(*initial_scripts(), renders, logins)
    print(text)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
