"""Cost per 1,000 orders on AWS, from what one order journey really does on the local cloud.

The journey (a returning customer, already logged in; register and login are not per order):
product page, add to cart twice, view cart, checkout, pay; then the asynchronous path that
follows from it (stream -> publisher -> SNS -> queues -> notifications and sales statistics),
drained after each journey. Counted per order: API requests, Lambda invocations and their
billed duration (the measured warm wall time, rounded up to 1 ms, at the function's MemorySize),
DynamoDB read and write request units (ConsumedCapacity, which the counter asks for on every
call), SNS publishes, SQS requests of the event source mappings, KMS, Secrets Manager and SES.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from report import table
from shop_fixtures import ADDRESS, CARD, expect, idempotency

# On-demand prices, us-east-1, USD, as published (checked 2025):
LAMBDA_GB_SECOND_ARM = 0.0000133334  # aws.amazon.com/lambda/pricing: Arm, first 7.5 B GB-s/month
LAMBDA_REQUEST = 0.20 / 1e6  # aws.amazon.com/lambda/pricing
API_GATEWAY_REST = 3.50 / 1e6  # aws.amazon.com/api-gateway/pricing: REST API, first 333 M/month
API_GATEWAY_HTTP = 1.00 / 1e6  # same page: HTTP API, first 300 M/month
DYNAMODB_WRU = 0.625 / 1e6  # aws.amazon.com/dynamodb/pricing/on-demand (since 1 Nov 2024; was 1.25)
DYNAMODB_RRU = 0.125 / 1e6  # same page (since 1 Nov 2024; was 0.25)
SNS_PUBLISH = 0.50 / 1e6  # aws.amazon.com/sns/pricing: per 64 KB request; deliveries to SQS free
SQS_REQUEST = 0.40 / 1e6  # aws.amazon.com/sqs/pricing: standard queue, after the free million
KMS_REQUEST = 0.03 / 1e4  # aws.amazon.com/kms/pricing
SECRETS_CALL = 0.05 / 1e4  # aws.amazon.com/secrets-manager/pricing
SES_EMAIL = 0.10 / 1e3  # aws.amazon.com/ses/pricing: outbound email
ORDERS = 1000
SQS_CONSUMERS = {"NotificationsFunction", "SalesStatsFunction"}
PER_CALL_SERVICES = {
    "SNS": SNS_PUBLISH,
    "KMS": KMS_REQUEST,
    "Secrets Manager": SECRETS_CALL,
    "SES": SES_EMAIL,
}


@dataclass
class Journeys:
    count: int = 0
    api_requests: int = 0
    invocations: Counter[str] = field(default_factory=Counter)
    billed_ms: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    calls: Counter[str] = field(default_factory=Counter)  # "service.operation" of function threads
    function_calls: Counter[str] = field(default_factory=Counter)
    function_units: defaultdict[str, list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0.0, 0.0])
    )
    target_units: defaultdict[str, list[float]] = field(  # [WRU, RRU] by table or index
        default_factory=lambda: defaultdict(lambda: [0.0, 0.0])
    )
    read_units: float = 0.0
    write_units: float = 0.0


def journey(ctx: Any, fx: Any, name: str) -> int:
    """One order, start to end; the number of API requests it made."""
    shop, token = ctx.shop, fx.token(name)
    requests = [
        ("GET", f"/products/{fx.products[0]}", None, {}, 200),
        ("POST", "/cart/items", {"product_id": fx.products[0], "quantity": 1}, {}, 200),
        ("POST", "/cart/items", {"product_id": fx.products[1], "quantity": 2}, {}, 200),
        ("GET", "/cart", None, {}, 200),
        ("POST", "/checkout", {"shipping_address": ADDRESS}, idempotency(), 201),
    ]
    order_id = ""
    for method, path, body, headers, status in requests:
        answer = expect(shop.request(method, path, body, token, headers), status, f"{method} {path}")
        order_id = answer.get("id", order_id) if isinstance(answer, dict) else order_id
    expect(shop.request("POST", f"/orders/{order_id}/payments", CARD, token, idempotency()), 200, "pay")
    return len(requests) + 1


def measure(ctx: Any, count: int) -> Journeys:
    shop, fx = ctx.shop, ctx.fixtures()
    names = [f"shopper{i}" for i in range(count)]
    for name in names:
        fx.person(name)  # registered before measuring: not a per-order cost
    journey(ctx, fx, "warm-up")  # loads every container on the path
    shop.drain()
    measured = Journeys()
    for number, name in enumerate(names):
        if number % 5 == 0:
            ctx.progress(f"cost: journey {number + 1}/{count}")
        calls_mark, invocations_mark = shop.calls.mark(), shop.invocations.mark()
        measured.api_requests += journey(ctx, fx, name)
        shop.drain()
        for invocation in shop.invocations.since(invocations_mark):
            if invocation.function == "ExpireReservationsFunction":
                continue  # a schedule (1/minute), not a per-order cost
            measured.invocations[invocation.function] += 1
            measured.billed_ms[invocation.function].append(math.ceil(invocation.wall_ms))
        for call in shop.calls.since(calls_mark):
            if call.function in measured.invocations or call.function == "AuthorizerFunction":
                measured.calls[call.label] += 1
                measured.function_calls[call.function] += 1
                measured.read_units += call.read_units
                measured.write_units += call.write_units
                units = measured.function_units[call.function]
                units[0] += call.write_units
                units[1] += call.read_units
                for target, value in call.units_by_target:
                    measured.target_units[target][0 if call.write_units else 1] += value
        measured.count += 1
    return measured


def run(ctx: Any) -> str:
    count = ctx.pick(full=30, quick=2)
    measured = measure(ctx, count)
    return report(ctx, measured)


def report(ctx: Any, m: Journeys) -> str:
    per_order = 1 / m.count
    specs = {spec.logical_id: spec for spec in ctx.shop.stack.functions()}
    gb_seconds = sum(sum(ms) / 1000 * specs[f].memory / 1024 for f, ms in m.billed_ms.items()) * per_order
    invocations = sum(m.invocations.values()) * per_order
    sqs_requests = 2 * sum(m.invocations[f] for f in SQS_CONSUMERS) * per_order  # receive + delete batch
    service_calls = Counter[str]()
    for label, count in m.calls.items():
        service_calls[label.partition(".")[0]] += count
    api = m.api_requests * per_order
    rows: list[list[Any]] = []

    def add(component: str, quantity: float, unit: str, price: float, note: str = "") -> float:
        cost = quantity * price * ORDERS
        rows.append([component, f"{quantity:.2f} {unit}", f"${price * 1e6:.3f}/M", f"${cost:.5f}", note])
        return cost

    costs = {
        "api": add("API Gateway (REST)", api, "requests", API_GATEWAY_REST, "per order: the 6 API calls"),
        "lambda_requests": add("Lambda requests", invocations, "invocations", LAMBDA_REQUEST),
        "lambda_duration": add(
            "Lambda duration (arm64)", gb_seconds, "GB-s", LAMBDA_GB_SECOND_ARM, "billed ms x MemorySize"
        ),
        "dynamodb_writes": add("DynamoDB writes", m.write_units * per_order, "WRU", DYNAMODB_WRU),
        "dynamodb_reads": add("DynamoDB reads", m.read_units * per_order, "RRU", DYNAMODB_RRU),
        "sqs": add(
            "SQS (event source mappings)",
            sqs_requests,
            "requests",
            SQS_REQUEST,
            "1 receive + 1 delete per batch",
        ),
    }
    for service, price in PER_CALL_SERVICES.items():
        unit = "emails" if service == "SES" else "requests"
        costs[service] = add(service, service_calls[service] * per_order, unit, price)
    total = sum(costs.values())
    without_email = total - costs["SES"]
    ctx.headline["WRU per paid order"] = f"{m.write_units * per_order:.1f}"
    ctx.headline["Cost per 1,000 orders without email (USD)"] = f"{without_email:.4f}"
    with_http_api = without_email - costs["api"] + api * API_GATEWAY_HTTP * ORDERS
    functions = [
        [
            f,
            f"{m.invocations[f] * per_order:.2f}",
            f"{sorted(ms)[len(ms) // 2]}",
            specs[f].memory,
            f"{m.function_calls[f] * per_order:.2f}",
            f"{m.function_units[f][0] * per_order:.1f}",
            f"{m.function_units[f][1] * per_order:.1f}",
        ]
        for f, ms in sorted(m.billed_ms.items())
    ]
    calls_text = ", ".join(f"{label} {count * per_order:.2f}" for label, count in sorted(m.calls.items()))
    target = 0.04  # per 1,000 orders, without the customer emails
    capacity = (
        "DynamoDB Local's ConsumedCapacity (the real engine's accounting: item sizes, index writes, "
        "transactions at 2x)"
        if ctx.engine == "DynamoDB Local"
        else "moto's ConsumedCapacity, a placeholder (1 or 0.5 per call, 0 for transactions): run under "
        "DynamoDB Local (the default of `make bench`) for real figures"
    )
    lines = [
        "## Cost per 1,000 orders",
        "",
        f"Measured over {m.count} order journeys (product page, add to cart x2, view cart, checkout, pay, then "
        "the event path: publisher, notifications, sales statistics), each drained before the next, so "
        "every event is its own batch (low traffic, the expensive case). Capacity units: "
        f"{capacity}. Prices: on-demand, us-east-1 (constants in `tests/bench/bench_cost.py` with their "
        "source); free tiers ignored; logs (CloudWatch) excluded.",
        "",
        table(["component", "per order", "price", "per 1,000 orders", "note"], rows),
        f"| **total** | | | **${total:.4f}** | |",
        "",
        f"- Target: at most ${target:.2f} per 1,000 orders without the customer emails (SES, "
        f"{service_calls['SES'] * per_order:.0f} per order: a product feature priced per email, not "
        f"infrastructure), logs excluded: **${without_email:.4f}** "
        f"({'met' if without_email <= target else f'missed by ${without_email - target:.4f}'}). All-in, emails "
        f"included: ${total:.4f}.",
        f"- API Gateway REST alone is ${costs['api']:.4f} ({api:.0f} requests x $3.50/M), "
        f"{costs['api'] / target:.0%} of the target. The same routes on an HTTP API ($1.00/M; Lambda authorizers, JWT, stages and CORS are "
        f"supported) would make it ${api * API_GATEWAY_HTTP * ORDERS:.4f}, and the total without emails "
        f"${with_http_api:.4f} ({'met' if with_http_api < target else 'still missed'}); no change to the "
        "functions, only the Api resource type and the event types in template.yaml (REST-only features "
        "used today: gateway responses and request size limits, which the functions already enforce).",
        f"- By function, per order ({invocations:.2f} invocations in all; billed ms is the median of the "
        "measured warm wall time, local cloud latency included):",
        "",
        table(["function", "invocations", "billed ms", "memory MB", "AWS calls", "WRU", "RRU"], functions),
        "",
        f"- AWS calls per order by operation: {calls_text}.",
        "- DynamoDB units per order by table and index (ReturnConsumedCapacity=INDEXES; a write re-projects "
        "the item into every index whose keys it has, and transactions count twice):",
        "",
        table(
            ["table or index", "WRU", "RRU"],
            [
                [target, f"{w * per_order:.1f}", f"{r * per_order:.1f}"]
                for target, (w, r) in sorted(m.target_units.items(), key=lambda kv: -kv[1][0] - kv[1][1])
            ],
        ),
        "",
        "- Transactions on DynamoDB Local are a floor, not AWS's bill: it counts a transaction's writes to "
        "one table or index once per distinct item size, not once per item (measured: three puts of under "
        "1 KB to one table in one TransactWriteItems are 2 units there, 6 on AWS, which bills 2 per item "
        "per started KB and per index entry). Removing a table or index from a transaction shows here; "
        "removing one more item of a table already in it does not.",
        "- Not per order, so not above: the reservation sweeper (1 invocation a minute: a few cents a month), the event source mappings' idle long polls of the two queues "
        "(5 pollers x 20 s polls: about 0.65 M requests a month per queue, about $0.26 each), Secrets Manager reads at cold starts "
        "(cached 5 minutes per container), DynamoDB Streams reads by Lambda (free).",
    ]
    return "\n".join(lines)
