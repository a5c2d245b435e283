"""Catalog cache: 1,000 anonymous views of one product within a minute, with and without a shared cache.

The shared cache is the CacheControl package over a requests session, standing in for CloudFront:
it honours Cache-Control (`no-store`, `max-age`), ETags (revalidating a stale copy with
If-None-Match) and Vary, and keys by URL. Requests go over a real socket to the gateway (a second
listener on the bench's shop), so the cache sees the Date, Cache-Control, ETag and Vary headers a
client would. The origin is counted twice: the gateway's invocations of GetProductFunction (and
their DynamoDB calls), and the answers the origin gave (status, body bytes), seen by a WSGI wrapper
in front of the gateway.

    .venv/bin/python tests/bench/run.py --only catalog_cache [--quick] [--engine moto]
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
from aws_counter import by_operation
from cachecontrol import CacheControl
from cachecontrol.cache import DictCache
from report import table

from shop_local.api_gateway.http_server import serve

FUNCTION = "GetProductFunction"
TIMEOUT = 30


@dataclass
class Origin:
    """The gateway's WSGI app, with every answer it gives counted by status and body bytes."""

    app: Callable[..., Iterable[bytes]]
    statuses: Counter[int] = field(default_factory=Counter)
    body_bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen: list[int] = []

        def counted(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            seen.append(int(status.split()[0]))
            return start_response(status, headers, *rest)

        chunks = list(self.app(environ, counted))
        with self._lock:
            self.statuses[seen[0]] += 1
            self.body_bytes += sum(len(chunk) for chunk in chunks)
        return chunks

    def reset(self) -> None:
        with self._lock:
            self.statuses, self.body_bytes = Counter(), 0


@dataclass(frozen=True)
class Scenario:
    name: str
    views: int
    cached: bool
    role: str  # "anonymous" or "customer"
    request_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    seconds: float
    invocations: int
    aws_calls: Counter[str]
    origin_statuses: Counter[int]
    origin_bytes: int
    client_statuses: Counter[int]
    from_cache: int


def run(ctx: Any) -> str:
    views = ctx.pick(full=1_000, quick=40)
    fixtures = ctx.fixtures()
    product_id, customer = fixtures.products[0], fixtures.token("bench-cache-customer")
    origin = Origin(ctx.shop.gateway)
    listener = serve(origin, port=0)
    url = f"{listener.url}/products/{product_id}"
    scenarios = [
        Scenario("anonymous, no cache", views, cached=False, role="anonymous"),
        Scenario("anonymous, through the shared cache", views, cached=True, role="anonymous"),
        Scenario(
            "anonymous, through the shared cache, every view a reload (`Cache-Control: max-age=0`)",
            ctx.pick(full=200, quick=10),
            cached=True,
            role="anonymous",
            request_headers=(("Cache-Control", "max-age=0"),),
        ),
        Scenario(
            "customer, through the shared cache", ctx.pick(full=200, quick=10), cached=True, role="customer"
        ),
    ]
    try:
        assert requests.get(url, timeout=TIMEOUT).status_code == 200  # a warm container, not counted
        results = []
        for scenario in scenarios:
            ctx.progress(f"catalog cache: {scenario.name}, {scenario.views} views")
            token = {"Authorization": f"Bearer {customer}"} if scenario.role == "customer" else {}
            results.append(views_of(ctx, origin, url, scenario, token))
    finally:
        listener.stop()
    return report(ctx, results)


def views_of(ctx: Any, origin: Origin, url: str, scenario: Scenario, token: dict[str, str]) -> Result:
    """`scenario.views` GETs of one product, one after another, each through a fresh or shared session."""
    session = requests.Session()
    client = CacheControl(session, cache=DictCache()) if scenario.cached else session
    headers = {**token, **dict(scenario.request_headers)}
    if scenario.request_headers:
        client.get(url, headers=token, timeout=TIMEOUT)  # the copy that every reload revalidates
    origin.reset()
    calls, invocations = ctx.shop.calls.mark(), ctx.shop.invocations.mark()
    statuses: Counter[int] = Counter()
    from_cache = 0
    began = time.monotonic()
    for _ in range(scenario.views):
        answer = client.get(url, headers=headers, timeout=TIMEOUT)
        statuses[answer.status_code] += 1
        from_cache += bool(getattr(answer, "from_cache", False))
    seconds = time.monotonic() - began
    session.close()
    return Result(
        scenario,
        seconds,
        invocations=len(ctx.shop.invocations.since(invocations, FUNCTION)),
        aws_calls=by_operation(ctx.shop.calls.since(calls, FUNCTION)),
        origin_statuses=Counter(origin.statuses),
        origin_bytes=origin.body_bytes,
        client_statuses=statuses,
        from_cache=from_cache,
    )


def report(ctx: Any, results: list[Result]) -> str:
    heading = ["views of one product", "views", "seconds", "origin calls (GetProductFunction)"]
    heading += ["origin answers", "origin body bytes", "its AWS calls", "served by the cache", "client saw"]
    rows = [
        [
            r.scenario.name,
            r.scenario.views,
            f"{r.seconds:.1f}",
            f"**{r.invocations}**",
            _counts(r.origin_statuses),
            f"{r.origin_bytes:,}",
            _counts(r.aws_calls),
            r.from_cache,
            _counts(r.client_statuses),
        ]
        for r in results
    ]
    plain, cached = results[0], results[1]
    saved = 1 - cached.invocations / plain.invocations if plain.invocations else 0.0
    within = "within" if cached.seconds <= 60 else "over"
    return "\n".join(
        [
            "## Catalog cache",
            "",
            f"{plain.scenario.views} anonymous views of one product (GET /products/{{id}}), one after another, "
            f"on {ctx.engine}, over HTTP to the local gateway: straight to it, or through a shared HTTP cache "
            "that honours Cache-Control and ETags (the CacheControl package, standing in for CloudFront). "
            "Origin calls are the gateway's invocations of GetProductFunction; origin answers and bytes are "
            "what the gateway sent back.",
            "",
            table(heading, rows),
            "",
            f"- **Origin calls: {plain.invocations} without the cache, {cached.invocations} with it** "
            f"({saved:.1%} fewer): the cached run took {cached.seconds:.1f} s, {within} the 60 s `max-age`, "
            f"and the cache answered {cached.from_cache} of its {cached.scenario.views} views from its copy.",
            "- A reload (`max-age=0`) always reaches the origin, but with If-None-Match: the answer is a 304 "
            "without a body, so only headers cross the network; the function still reads the product "
            "to compute the ETag, so a revalidation costs an invocation and a read, not a body.",
            "- A customer's answer is `private, no-store`: the shared cache stores none of it, and every "
            "view is an origin call (as it is for an admin, whose answers may hold drafts).",
        ]
    )


def _counts(counts: Counter[Any]) -> str:
    return ", ".join(f"{status}: {count}" for status, count in sorted(counts.items())) or "-"


if __name__ == "__main__":
    import subprocess
    import sys
    from pathlib import Path

    run_script = Path(__file__).resolve().with_name("run.py")
    raise SystemExit(
        subprocess.call([sys.executable, str(run_script), "--only", "catalog_cache", *sys.argv[1:]])
    )
