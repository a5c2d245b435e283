"""The composition root takes its collaborators: every service builder, given fakes of its ports,
builds without reaching AWS (no boto3 client, no settings read from the environment beyond a
stand-in), and the service it returns holds the fakes it was given."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any

import pytest

from shop import bootstrap
from shop.adapters.payment_gateway_mock import MockPaymentGateway
from shop.config import Settings
from shop.domain.users import EmailIndex
from tests.fakes import (
    FakeTokenVerifier,
    FakeUsers,
    HmacSigner,
    MemoryAccessStates,
    MemoryCarts,
    MemoryCatalog,
    MemoryOrders,
    MemoryProcessedEvents,
    MemoryProductCatalog,
    MemoryRateLimiter,
    MemoryRecords,
    MemoryRefreshTokens,
    MemorySalesStats,
    MemoryShelves,
    MemoryShipments,
    MemoryStock,
    MemoryTrail,
    RecordingAllOrders,
    RecordingAudit,
    RecordingBus,
    RecordingCartMerges,
    RecordingMailer,
    RecordingPaidListing,
    memory_access_tokens,
)


class EverySetting(dict[str, str]):
    """An environment in which every setting is set (to "1"): config values, not adapters."""

    def get(self, key: str, default: Any = None) -> str:
        return "1"


def no_aws(*_: Any, **__: Any) -> Any:
    raise AssertionError("a builder created an AWS client despite the collaborators it was given")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No AWS client can be made, settings come from a stand-in environment, and no adapter is left
    cached from another test (a builder that ignores an injection must build its adapter here)."""
    import boto3

    for name in ("client", "lazy_client"):
        monkeypatch.setattr(f"shop.adapters.aws.{name}", no_aws)
    monkeypatch.setattr(boto3, "client", no_aws)
    monkeypatch.setattr(boto3.session.Session, "client", no_aws)
    monkeypatch.setattr("shop.config.settings", lambda: Settings.from_env(EverySetting()))
    clear_caches()
    yield
    clear_caches()


def clear_caches() -> None:
    for builder in vars(bootstrap).values():
        if callable(getattr(builder, "cache_clear", None)):
            builder.cache_clear()


def audit() -> RecordingAudit:
    return RecordingAudit()


def limits() -> Any:
    return bootstrap.build_client_limits(limiter=MemoryRateLimiter())


def sessions() -> Any:
    tokens, users = memory_access_tokens(), FakeUsers()
    return bootstrap.build_sessions(store=MemoryRefreshTokens(), tokens=tokens, users=users, audit=audit())


def gateway() -> MockPaymentGateway:
    return MockPaymentGateway()


def orders() -> MemoryOrders:
    return MemoryOrders()


def shipping() -> dict[str, object]:
    """The shipments on a table of their own: the service must hold `orders` itself, not through them."""
    return {"orders": orders(), "shipments": MemoryShipments(MemoryOrders()), "audit": audit()}


INJECTIONS: dict[str, Callable[[], Mapping[str, object]]] = {
    "build_category_service": lambda: {"store": MemoryCatalog(), "audit": audit()},
    "build_product_service": lambda: {"store": MemoryCatalog(), "audit": audit()},
    "build_inventory_service": lambda: {"store": MemoryStock(), "audit": audit()},
    "build_token_admission": lambda: {"verifier": FakeTokenVerifier(), "states": MemoryAccessStates()},
    "build_audit_trail": lambda: {"chains": MemoryTrail()},
    "build_auth_service": lambda: {
        "users": FakeUsers(),
        "sessions": sessions(),
        "tokens": memory_access_tokens(),
        "email_index": EmailIndex(b"k" * 32),
        "limits": limits(),
        "audit": audit(),
        "carts": RecordingCartMerges(),
    },
    "build_sessions": lambda: {
        "store": MemoryRefreshTokens(),
        "tokens": memory_access_tokens(),
        "users": FakeUsers(),
        "audit": audit(),
    },
    "build_logouts": lambda: {"store": MemoryRefreshTokens()},
    "build_accounts": lambda: {"users": FakeUsers()},
    "build_client_limits": lambda: {"limiter": MemoryRateLimiter()},
    "build_guest_tokens": lambda: {"tokens": memory_access_tokens(), "limits": limits()},
    "build_order_event_publisher": lambda: {"bus": RecordingBus(), "paid_listing": RecordingPaidListing()},
    "build_cart_service": lambda: {"carts": MemoryCarts(), "catalog": MemoryProductCatalog()},
    "build_guest_cart_merge": lambda: {"carts": MemoryCarts()},
    "build_idempotency": lambda: {"store": MemoryRecords(), "key": lambda: b"secret"},
    "build_checkout_service": lambda: {
        "carts": MemoryCarts(),
        "products": MemoryShelves(),
        "orders": orders(),
    },
    "build_payment_service": lambda: {"orders": orders(), "gateway": gateway(), "audit": audit()},
    "build_cancel_service": lambda: {"orders": orders(), "audit": audit()},
    "build_order_queries": lambda: {"orders": orders()},
    "build_order_payment_queries": lambda: {"orders": orders()},
    "build_reservation_expiry": lambda: {"orders": orders(), "audit": audit()},
    "build_refund_payments": lambda: {"orders": orders(), "gateway": gateway(), "audit": audit()},
    "build_refunds_consumer": lambda: {
        "refunds": bootstrap.build_refund_payments(orders=orders(), gateway=gateway(), audit=audit())
    },
    "build_user_admin": lambda: {"users": FakeUsers(), "directory": FakeUsers(), "audit": audit()},
    "build_audit_listing": lambda: {"index": MemoryTrail()},
    "build_order_notifications": lambda: {
        "customers": FakeUsers(),
        "mailer": RecordingMailer(),
        "processed": MemoryProcessedEvents(),
    },
    "build_notifications_consumer": lambda: {
        "notifications": bootstrap.build_order_notifications(
            customers=FakeUsers(), mailer=RecordingMailer(), processed=MemoryProcessedEvents()
        )
    },
    "build_sales_stats_projector": lambda: {"store": MemorySalesStats()},
    "build_sales_stats_consumer": lambda: {
        "projector": bootstrap.build_sales_stats_projector(store=MemorySalesStats())
    },
    "build_sales_reports": lambda: {"reader": MemorySalesStats()},
    "build_shipping_service": shipping,
    "build_admin_order_queries": lambda: {"orders": RecordingAllOrders()},
    "build_audit_checkpoints": lambda: {"store": MemoryTrail(), "signer": HmacSigner()},
}


def held(root: object, depth: int = 4) -> set[int]:
    """The ids of the objects `root` holds: its attributes, a function's closure, a bound
    method's object, the items of a collection; `depth` levels down."""
    found, frontier = set[int](), [root]
    for _ in range(depth):
        reached: list[object] = []
        for obj in frontier:
            if isinstance(obj, type | ModuleType):
                continue
            if isinstance(obj, list | tuple | set | frozenset | dict):
                reached += list(obj.values() if isinstance(obj, dict) else obj)
            reached += [getattr(obj, name) for name in ("__self__", "__func__") if hasattr(obj, name)]
            reached += [cell.cell_contents for cell in getattr(obj, "__closure__", None) or ()]
            reached += list(vars(obj).values()) if hasattr(obj, "__dict__") else []
        frontier = [obj for obj in reached if id(obj) not in found]
        found |= {id(obj) for obj in frontier}
    return found


def test_every_builder_that_takes_collaborators_is_checked_here() -> None:
    takes = {name for name, value in vars(bootstrap).items() if isinstance(value, bootstrap._Builder)}
    assert takes == set(INJECTIONS)


@pytest.mark.parametrize("name", sorted(INJECTIONS))
def test_a_builder_given_fakes_builds_offline_and_holds_them(name: str) -> None:
    given = INJECTIONS[name]()
    service = getattr(bootstrap, name)(**given)
    holds = held(service)
    missing = [port for port, fake in given.items() if id(fake) not in holds]
    assert not missing, f"{name} does not hold the injected {missing}"


def test_the_handlers_call_is_built_once_and_a_call_with_fakes_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = MemoryTrail()
    assert bootstrap.build_audit_listing(index=index) is not bootstrap.build_audit_listing(index=index)
    with pytest.raises(AssertionError, match="AWS client"):
        bootstrap.build_audit_listing()  # the real adapter, and nothing cached by the calls above
    monkeypatch.setattr("shop.adapters.aws.client", lambda service: object())
    assert bootstrap.build_audit_listing() is bootstrap.build_audit_listing()
