"""Warm cost: the handler's own time per request, without the time inside AWS calls and Argon2.

Own time = the invocation's wall time (measured around the handler, in its container thread)
minus the time between botocore's before-call and after-call of each AWS call it made (signing,
the round trip to the local cloud, response parsing) minus time inside password hashing. What
is left is the Python the function runs per request: event parsing, pydantic validation, routing,
domain rules, request serialisation, response models, JSON, logging.
"""

from __future__ import annotations

from typing import Any

from report import median_text, percentile, table
from route_cases import measure

WARM_UP = 2
READ_TARGET_MS, CHECKOUT_TARGET_MS = 3.0, 8.0


def target_for(case: Any) -> float | None:
    if case.kind == "checkout":
        return CHECKOUT_TARGET_MS
    if case.method == "GET":
        return READ_TARGET_MS
    return None


def run(ctx: Any) -> str:
    shop, cases = ctx.shop, ctx.route_cases()
    counts = {
        "read": ctx.pick(full=200, quick=3),
        "write": ctx.pick(full=100, quick=3),
        "heavy": ctx.pick(full=30, quick=2),
    }
    authorizer_mark = shop.invocations.mark()
    rows, missed, met = [], [], 0
    reads_own: list[float] = []
    for number, case in enumerate(cases):
        repeats = counts["heavy" if case.heavy else "read" if case.method == "GET" else "write"]
        ctx.progress(f"warm cost: {number + 1}/{len(cases)} {case.name} x{repeats}")
        for i in range(WARM_UP):
            measure(shop, case, i)
        invocations = [measure(shop, case, WARM_UP + i).invocation for i in range(repeats)]
        own = [i.own_ms for i in invocations]
        if case.method == "GET":
            reads_own.extend(own)
        target = target_for(case)
        median = float(median_text(own, 3))
        if target is not None:
            if median < target:
                met += 1
            else:
                missed.append(f"{case.name} ({median:.1f} ms)")
        hashing = median_text([i.hashing_ms for i in invocations], 1) if case.kind == "password" else ""
        rows.append(
            [
                case.name,
                len(own),
                f"**{median:.2f}**",
                f"{percentile(own, 0.9):.2f}",
                median_text([i.aws_ms for i in invocations], 1),
                hashing,
                median_text([i.wall_ms for i in invocations], 1),
                "-" if target is None else f"< {target:.0f}",
                "-" if target is None else ("yes" if median < target else "**no**"),
            ]
        )
    authorizer = shop.invocations.since(authorizer_mark, "AuthorizerFunction")
    targeted = met + len(missed)
    heading = ["route", "n", "own ms (median)", "own p90", "AWS ms", "Argon2 ms", "wall ms", "target", "met?"]
    lines = [
        "## Warm cost per request",
        "",
        f"The function's own time per warm request (after {WARM_UP} warm-up requests per route): wall "
        "time of the invocation minus time inside AWS calls (botocore before-call to after-call) minus "
        "Argon2 (register, login). Medians; AWS ms is the local cloud's latency, shown for scale only. "
        "Targets: median under 3 ms for reads (GET), under 8 ms for checkout.",
        "",
        table(heading, rows),
        "",
        f"- Targets met: {met} of {targeted}." + (f" Missed: {', '.join(missed)}." if missed else ""),
        f"- All reads together: median own time {median_text(reads_own)} ms over {len(reads_own)} requests.",
        f"- Lambda authorizer (verifies the ES256 token; runs on every OptionalAuth request and on a "
        f"BearerAuth cache miss): median own time {median_text([i.own_ms for i in authorizer])} ms over "
        f"{len(authorizer)} invocations.",
    ]
    return "\n".join(lines)
