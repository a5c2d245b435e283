"""AWS calls per API route: what one warm request of every route costs in DynamoDB, KMS, SNS, SQS,
Secrets Manager and SES calls, by operation, counted with botocore's event hooks.

Each route's case runs a few times on the same warm containers and the last request is the one
reported (the first request of a container also fetches secrets and keys, which are then cached
for minutes; that is a cold-start cost, not a per-request one). The Lambda authorizer's calls are
counted apart: API Gateway runs it for a token it has not cached (BearerAuth, 60 s) and for every
request of an OptionalAuth route.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_counter import by_operation, by_service
from report import table
from route_cases import measure, uncovered_routes

SERVICES = ("DynamoDB", "KMS", "SNS", "SQS", "Secrets Manager", "SES")
TARGETS = {
    "GET /products/{id}": 1,
    "GET /products": 1,
    "POST /cart/items": 2,
    "GET /cart": 2,
    "POST /checkout": 5,
    "POST /orders/{id}/payments": 5,
    "GET /orders": 2,
    "GET /admin/orders": 3,
}


def operations_text(counts: Counter[str]) -> str:
    parts = []
    for label, count in sorted(counts.items()):
        service, _, operation = label.partition(".")
        short = operation if service == "DynamoDB" else label
        bold = "**" if operation == "Scan" else ""
        parts.append(f"{bold}{short}{bold}" + (f" x{count}" if count > 1 else ""))
    return ", ".join(parts) or "none"


def run(ctx: Any) -> str:
    shop, cases = ctx.shop, ctx.route_cases()
    repeats = ctx.pick(full=3, quick=2)
    authorizer_mark = shop.calls.mark()
    rows, scans, missed, unstable = [], [], [], []
    for case in cases:
        samples = [measure(shop, case, i) for i in range(repeats)]
        calls = samples[-1].calls
        services = by_service(calls)
        operations = by_operation(calls)
        if by_operation(samples[-2].calls) != operations:
            unstable.append(case.name)
        if any(call.operation == "Scan" for call in calls):
            scans.append(case.name)
        total = len(calls)
        target = TARGETS.get(case.name)
        met = "-" if target is None else ("yes" if total <= target else "**no**")
        if target is not None and total > target:
            missed.append(f"{case.name} ({total} > {target})")
        rows.append(
            [
                case.name,
                *(services.get(s, 0) or "" for s in SERVICES),
                total,
                f"{sum(c.write_units for c in calls):g}/{sum(c.read_units for c in calls):g}",
                operations_text(operations),
                target if target is not None else "-",
                met,
            ]
        )
    authorizer = shop.calls.since(authorizer_mark, "AuthorizerFunction")
    uncovered = uncovered_routes(shop, cases)
    heading = ["route", *SERVICES, "total", "WRU/RRU", "operations", "target", "met?"]
    lines = [
        "## AWS calls per API route",
        "",
        f"One warm request per route (the last of {repeats} on the same containers), through the local "
        "gateway, counted with botocore `before-call`/`after-call` hooks on every client and attributed "
        "to the function's own thread. WRU/RRU: DynamoDB write/read request units the request consumed "
        f"(ConsumedCapacity, {shop.engine}). Targets: the call budgets (at most).",
        "",
        table(heading, rows),
        "",
        f"- Scan in a request path: {', '.join(scans) if scans else 'none'}.",
        f"- Budgets missed: {', '.join(missed) if missed else 'none'} ({len(TARGETS) - len(missed)} of "
        f"{len(TARGETS)} met).",
        f"- Lambda authorizer: {len(authorizer)} AWS calls over all of these requests "
        f"({operations_text(by_operation(authorizer))}): its signing keys are cached per container.",
    ]
    if unstable:
        lines.append(f"- Counts that differed between the last two requests: {', '.join(unstable)}.")
    if uncovered:
        lines.append(
            f"- Routes of the template with no case here: {', '.join(f'{r.method} {r.path}' for r in uncovered)}."
        )
    return "\n".join(lines)
