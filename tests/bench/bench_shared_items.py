"""Items written by the requests of two or more principals, during a mixed run.

An item that requests of unrelated principals write is where they contend (conditional writes
that fail, transactions that conflict, one partition's throughput). The run: customers register,
log in, fill carts (one as a guest first, merged on login) and order; some pay, one cancels; an
admin ships and tracks paid orders, adjusts stock, creates a category and disables a customer;
anonymous callers fail logins. Every DynamoDB write of every function is recorded with the item
keys it writes (Put, Update, Delete, the elements of a TransactWriteItems or BatchWriteItem) and
the principal its request ran for: the authorizer's principal, "anonymous" for an API request
without one (login, register, guest token, refresh). Queue, stream and schedule work is no
request and is left out, as are product stock items (the contention of a hot product is the hot
product benchmark's).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aws_counter import ItemKey
from report import table
from shop_fixtures import ADDRESS, CARD, PASSWORD, expect, idempotency


def _is_stock(key: ItemKey) -> bool:
    table, pk, sk = key
    return (
        table == "CatalogTable" and pk.startswith("PRODUCT#") and (sk == "PRODUCT" or sk.startswith("STOCK"))
    )


def _kind(key: ItemKey) -> str:
    table, pk, sk = key
    prefix = pk.split("#", 1)[0]
    return f"{table} {prefix}#… / {sk.split('#', 1)[0]}{'#…' if '#' in sk else ''}"


def mixed_run(ctx: Any, customers: int) -> None:
    shop, fx = ctx.shop, ctx.fixtures()
    admin = fx.token("admin")
    product = fx.products[0]
    guest = expect(shop.request("POST", "/auth/guest", {}, None, {}), 201, "guest token")["access_token"]
    expect(
        shop.request("POST", "/cart/items", {"product_id": product, "quantity": 1}, guest, {}),
        200,
        "guest cart",
    )
    paid: list[str] = []
    for number in range(customers):
        person = fx.person(f"mixed{number}")
        if number == 0:  # logs in again with the guest's cart, which merges into theirs
            body = {"email": person.email, "password": PASSWORD, "guest_token": guest}
            expect(shop.request("POST", "/auth/login", body, None, {}), 200, "login with a guest cart")
        token = fx.token(f"mixed{number}")
        expect(
            shop.request("POST", "/cart/items", {"product_id": product, "quantity": 1}, token, {}), 200, "add"
        )
        order = expect(
            shop.request("POST", "/checkout", {"shipping_address": ADDRESS}, token, idempotency()),
            201,
            "checkout",
        )
        if number % 3 == 2:
            expect(shop.request("POST", f"/orders/{order['id']}/cancel", None, token, {}), 200, "cancel")
            continue
        expect(
            shop.request("POST", f"/orders/{order['id']}/payments", CARD, token, idempotency()), 200, "pay"
        )
        paid.append(order["id"])
        wrong = {"email": person.email, "password": "not the password at all"}
        expect(shop.request("POST", "/auth/login", wrong, None, {}), 401, "failed login")
    nobody = {"email": "nobody-at-all@example.com", "password": "not the password at all"}
    expect(shop.request("POST", "/auth/login", nobody, None, {}), 401, "failed login, unknown email")
    for order_id in paid:
        shipment = expect(
            shop.request("POST", f"/admin/orders/{order_id}/shipments", {"carrier": "DHL"}, admin, {}),
            201,
            "ship",
        )
        update = {"status": "IN_TRANSIT"}
        expect(
            shop.request("POST", f"/admin/shipments/{shipment['id']}/tracking", update, admin, {}),
            200,
            "track",
        )
    adjustment = {"delta": 5, "reason": "restock"}
    expect(
        shop.request("POST", f"/admin/inventory/{product}/adjustments", adjustment, admin, {}), 200, "adjust"
    )
    fx.new_category()
    victim = fx.person(f"mixed{customers - 1}")
    expect(
        shop.request("PATCH", f"/admin/users/{victim.user_id}", {"disabled": True}, admin, {}), 200, "disable"
    )
    shop.drain()


def run(ctx: Any) -> str:
    customers = ctx.pick(full=9, quick=3)
    ctx.fixtures()  # its set-up (admin, catalog) is not part of the run
    mark = ctx.shop.calls.mark()
    mixed_run(ctx, customers)
    writers: defaultdict[ItemKey, set[str]] = defaultdict(set)
    for call in ctx.shop.calls.since(mark):
        if call.written and not call.failed and call.principal != "system":
            for key in call.written:
                writers[key].add(call.principal)
    shared = {key: who for key, who in writers.items() if len(who) > 1 and not _is_stock(key)}
    stock_shared = sum(1 for key, who in writers.items() if len(who) > 1 and _is_stock(key))
    ctx.headline["Items written by two users' requests"] = str(len(shared))
    by_kind: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, who in shared.items():
        by_kind[_kind(key)][0] += 1
        by_kind[_kind(key)][1] = max(by_kind[_kind(key)][1], len(who))
    rows = [[kind, str(count), str(most)] for kind, (count, most) in sorted(by_kind.items())]
    lines = [
        "## Items written by two principals",
        "",
        (__doc__ or "").split("\n\n", 1)[1].strip(),
        "",
        f"- Mixed run: {customers} customers, 1 admin, anonymous callers; {len(writers)} items written "
        f"by requests. **Items written by the requests of two or more principals (stock aside): "
        f"{len(shared)}** (target 0); product stock items written by several: {stock_shared}.",
    ]
    if rows:
        lines += ["", table(["item", "items", "most principals on one"], rows)]
    return "\n".join(lines)
