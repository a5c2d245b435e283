"""The composition root: builds adapters from settings and hands them to the services.

Handlers call one builder at module scope (once per cold start). Each builder imports only what
its service needs, so a function pays at cold start only for what it uses. A service's builder
takes its collaborators (ports) as optional keyword arguments: handlers pass none and get the
real adapters; unit tests pass in-memory fakes and get the same wiring without AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, update_wrapper
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class _Builder(Generic[P, T]):
    def __init__(self, make: Callable[P, T]) -> None:
        update_wrapper(self, make)
        self._make, self._once = make, cache(make)
        self.cache_clear = self._once.cache_clear

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._make(*args, **kwargs) if args or kwargs else self._once()


def built_once(make: Callable[P, T]) -> _Builder[P, T]:
    """A service builder whose collaborators are optional keyword arguments (their ports).

    The handlers' call, without arguments, builds the real adapters once per cold start; a call
    that injects collaborators (tests, with fakes) builds a new service each time and caches
    nothing, so no fake outlives its test.
    """
    return _Builder(make)


def _given(injected: T | None, build: Callable[[], T]) -> T:
    """The injected collaborator, or the real one."""
    return build() if injected is None else injected


if TYPE_CHECKING:
    from shop.services.catalog_audit import AuditPort
    from shop.services.catalog_categories import CategoryService
    from shop.services.catalog_ports import CategoryStore, ProductStore
    from shop.services.catalog_products import ProductService
    from shop.services.inventory import InventoryService, StockStore


# ---------------------------------------------------------------- catalog and inventory
def _on_catalog_table(store: Callable[[Any, str, AuditChains], T]) -> T:
    """A catalog store on CatalogTable, its writes audited in their transactions."""
    from shop.adapters.aws import client
    from shop.config import settings

    return store(client("dynamodb"), settings().catalog_table, build_audit_chains())


@cache
def build_catalog_audit_trail() -> AuditPort:
    """The audit trail catalog and inventory writes go to: the shared hash-chained one."""
    return build_audit_trail()


@built_once
def build_category_service(
    *, store: CategoryStore | None = None, audit: AuditPort | None = None
) -> CategoryService:
    from shop.services.catalog_categories import CategoryService

    if store is None:
        from shop.adapters.catalog.catalog_dynamo_categories import DynamoCategoryStore

        store = _on_catalog_table(DynamoCategoryStore)
    return CategoryService(store, _given(audit, build_catalog_audit_trail))


@built_once
def build_product_service(
    *, store: ProductStore | None = None, audit: AuditPort | None = None
) -> ProductService:
    from shop.services.catalog_products import ProductService

    if store is None:
        from shop.adapters.catalog.catalog_dynamo_products import DynamoProductStore

        store = _on_catalog_table(DynamoProductStore)
    return ProductService(store, _given(audit, build_catalog_audit_trail))


@built_once
def build_inventory_service(
    *, store: StockStore | None = None, audit: AuditPort | None = None
) -> InventoryService:
    from shop.services.inventory import InventoryService

    if store is None:
        from shop.adapters.catalog.inventory_dynamo import DynamoStockStore

        store = _on_catalog_table(DynamoStockStore)
    return InventoryService(store, _given(audit, build_catalog_audit_trail))


# ---------------------------------------------------------------- auth and audit
if TYPE_CHECKING:
    from shop.adapters.audit.audit_dynamo import AuditChains, DynamoTrail
    from shop.adapters.secrets import SecretsManagerStore
    from shop.adapters.token_signer import JwtAccessTokens
    from shop.adapters.users.users_dynamo import DynamoUsers
    from shop.services.accounts import Accounts
    from shop.services.audit import AuditChains as AuditChainsPort
    from shop.services.audit import AuditTrail
    from shop.services.auth import AuthService, GuestTokens
    from shop.services.auth_ports import (
        AccessTokens,
        EmailIndexer,
        GuestCartMerger,
        RateLimiter,
        RefreshTokenStore,
        UserAccounts,
        UserRepository,
    )
    from shop.services.auth_sessions import Logouts, Sessions
    from shop.services.client_limits import ClientLimits
    from shop.services.signing_keys import CachedKeyRing, KeyRing, PublicKeyRing
    from shop.services.token_admission import AccessStates, TokenAdmission, TokenVerifier


@cache
def build_secret_store() -> SecretsManagerStore:
    from shop.adapters.secrets import SecretsManagerStore

    return SecretsManagerStore()


@cache
def build_key_ring() -> CachedKeyRing[KeyRing]:
    """The private signing keys, cached in memory: only the token-issuing functions can read them."""
    from shop.adapters.secrets import SecretsManagerStore
    from shop.config import settings
    from shop.services.signing_keys import CachedKeyRing, KeyRing

    secret_id, store = settings().signing_key_secret, SecretsManagerStore(ttl=0)  # the ring caches itself
    return CachedKeyRing(
        lambda: KeyRing.from_json(store.read_required(secret_id)), lambda ring, kid: ring.key(kid) is not None
    )


@cache
def build_public_key_ring() -> CachedKeyRing[PublicKeyRing]:
    """The published public keys (a JWKS): all that the authorizer and the JWKS route can read."""
    from shop.adapters.secrets import SecretsManagerStore
    from shop.config import settings
    from shop.services.signing_keys import CachedKeyRing, PublicKeyRing

    secret_id, store = settings().verification_keys_secret, SecretsManagerStore(ttl=0)
    return CachedKeyRing(
        lambda: PublicKeyRing.from_jwks(store.read_required(secret_id)), lambda ring, kid: kid in ring.keys
    )


@cache
def build_access_tokens() -> JwtAccessTokens:
    """Issues (and verifies) access tokens: for the functions that hand tokens out."""
    from shop.adapters.token_signer import JwtAccessTokens
    from shop.config import settings

    config = settings()
    return JwtAccessTokens(
        build_key_ring(), config.token_issuer, config.token_audience, config.access_token_ttl_seconds
    )


@built_once
def build_token_admission(
    *, verifier: TokenVerifier | None = None, states: AccessStates | None = None
) -> TokenAdmission:
    """The authorizer's check: the token's signature (public keys only) and the user's access state.
    Light on purpose: no cipher, no pydantic."""
    from shop.config import settings
    from shop.services.token_admission import TokenAdmission

    if verifier is None:
        from shop.adapters.token_signer import JwtAccessTokenVerifier, public_keys

        config = settings()
        verifier = JwtAccessTokenVerifier(
            public_keys(build_public_key_ring()), config.token_issuer, config.token_audience
        )
    if states is None:
        from shop.adapters.aws import client
        from shop.adapters.users.access_states_dynamo import DynamoAccessStates

        states = DynamoAccessStates(client("dynamodb"), settings().users_table)
    return TokenAdmission(verifier, states)


@cache
def build_audit_chains() -> AuditChains:
    """Appends to the audit chains: the stores put entries into the transactions of their changes."""
    from shop.adapters.audit.audit_dynamo import AuditChains
    from shop.adapters.aws import client
    from shop.config import settings

    return AuditChains(client("dynamodb"), settings().audit_table)


@cache
def build_audit_store() -> DynamoTrail:
    """The whole trail (chains and checkpoints), for the checkpoint function and the verifier."""
    from shop.adapters.audit.audit_dynamo import DynamoTrail
    from shop.adapters.aws import client
    from shop.config import settings

    return DynamoTrail(client("dynamodb"), settings().audit_table)


@built_once
def build_audit_trail(*, chains: AuditChainsPort | None = None) -> AuditTrail:
    """The hash-chained audit trail; every service that must audit a write drafts its entries here."""
    from shop.config import settings
    from shop.services.audit import AuditTrail

    return AuditTrail(_given(chains, build_audit_chains), settings().audit_chain_shards)


@cache
def build_users() -> DynamoUsers:
    """The user repository (PII sealed with KMS data keys); admin user routes use it too."""
    from shop.adapters.aws import client, lazy_client
    from shop.adapters.pii_crypto import EnvelopeCipher
    from shop.adapters.users.users_dynamo import DynamoUsers
    from shop.config import settings

    config = settings()
    cipher = EnvelopeCipher(lazy_client("kms"), config.data_key_id)
    return DynamoUsers(client("dynamodb"), config.users_table, cipher, build_audit_chains())


@built_once
def build_auth_service(
    *,
    users: UserAccounts | None = None,
    sessions: Sessions | None = None,
    tokens: AccessTokens | None = None,
    email_index: EmailIndexer | None = None,
    limits: ClientLimits | None = None,
    audit: AuditPort | None = None,
    carts: GuestCartMerger | None = None,
) -> AuthService:
    """Also builds the decoy hash that unknown emails are checked against: at cold start, here."""
    from shop.services.auth import AuthService

    if email_index is None:
        from shop.adapters.secrets import SecretEmailIndex
        from shop.config import settings

        email_index = SecretEmailIndex(build_secret_store(), settings().blind_index_secret)
    return AuthService(
        _given(users, build_users),
        _given(sessions, build_sessions),
        _given(tokens, build_access_tokens),
        email_index,
        _given(limits, build_client_limits),
        _given(audit, build_audit_trail),
        _given(carts, build_guest_cart_merge),
    )


@cache
def build_refresh_tokens() -> RefreshTokenStore:
    from shop.adapters.aws import client
    from shop.adapters.users.refresh_tokens_dynamo import DynamoRefreshTokens
    from shop.config import settings

    return DynamoRefreshTokens(client("dynamodb"), settings().users_table, build_audit_chains())


@built_once
def build_sessions(
    *,
    store: RefreshTokenStore | None = None,
    tokens: AccessTokens | None = None,
    users: UserRepository | None = None,
    audit: AuditPort | None = None,
) -> Sessions:
    """POST /auth/refresh: refresh tokens, the user (its current role), the token signer, the trail."""
    from shop.config import settings
    from shop.services.auth_sessions import Sessions

    return Sessions(
        _given(store, build_refresh_tokens),
        _given(tokens, build_access_tokens),
        _given(users, build_users),
        _given(audit, build_audit_trail),
        settings().refresh_token_ttl_seconds,
    )


@built_once
def build_logouts(*, store: RefreshTokenStore | None = None) -> Logouts:
    """POST /auth/logout: the refresh tokens alone (no signing keys, no cipher)."""
    from shop.services.auth_sessions import Logouts

    return Logouts(_given(store, build_refresh_tokens))


@built_once
def build_accounts(*, users: UserAccounts | None = None) -> Accounts:
    """GET /auth/me: the user store alone."""
    from shop.services.accounts import Accounts

    return Accounts(_given(users, build_users))


@built_once
def build_client_limits(*, limiter: RateLimiter | None = None) -> ClientLimits:
    """Per-client-IP limits on registrations, guest tokens and failed logins (RateLimitsTable)."""
    from shop.config import settings
    from shop.services.client_limits import ClientLimits

    config = settings()
    if limiter is None:
        from shop.adapters.aws import client
        from shop.adapters.rate_limits.rate_limits_dynamo import DynamoRateLimiter

        limiter = DynamoRateLimiter(client("dynamodb"), config.rate_limits_table)
    return ClientLimits(limiter, config.client_limits)


@built_once
def build_guest_tokens(
    *, tokens: AccessTokens | None = None, limits: ClientLimits | None = None
) -> GuestTokens:
    """POST /auth/guest: the token signer and the per-IP limit, nothing else."""
    from shop.services.auth import GuestTokens

    return GuestTokens(_given(tokens, build_access_tokens), _given(limits, build_client_limits))


# ---------------------------------------------------------------- event bus
if TYPE_CHECKING:
    from shop.adapters.processed_events.processed_events_dynamo import DynamoProcessedEvents
    from shop.services.event_publishing import BusPublisher, OrderEventPublisher, PaidListing


@built_once
def build_order_event_publisher(
    *, bus: BusPublisher | None = None, paid_listing: PaidListing | None = None
) -> OrderEventPublisher:
    """OrdersTable stream -> order events topic (the publisher function's only dependency)."""
    from shop.services.event_publishing import OrderEventPublisher

    if bus is None:
        from shop.adapters.aws import client
        from shop.adapters.sns_publisher import SnsBusPublisher
        from shop.config import settings

        bus = SnsBusPublisher(client("sns"), settings().order_events_topic_arn)
    if paid_listing is None:
        from shop.adapters.aws import client
        from shop.adapters.orders.orders_paid_listing import DynamoPaidListing
        from shop.config import settings

        paid_listing = DynamoPaidListing(client("dynamodb"), settings().orders_table)
    return OrderEventPublisher(bus, paid_listing)


@cache
def build_processed_events() -> DynamoProcessedEvents:
    """Consumers' dedup markers: claim_once for effects outside DynamoDB, processed_marker/write_once in it."""
    from shop.adapters.aws import client
    from shop.adapters.processed_events.processed_events_dynamo import DynamoProcessedEvents
    from shop.config import settings

    return DynamoProcessedEvents(client("dynamodb"), settings().processed_events_table)


# ---------------------------------------------------------------- cart
if TYPE_CHECKING:
    from shop.adapters.carts.carts_dynamo_lines import DynamoCartStore
    from shop.services.cart import CartService
    from shop.services.cart_merge import GuestCartMerge
    from shop.services.cart_ports import CartStore, ProductCatalog


@cache
def build_cart_store() -> DynamoCartStore:
    """The carts on CartsTable; checkout uses its get_cart_for_checkout and cart_delete_item."""
    from shop.adapters.aws import client
    from shop.adapters.carts.carts_dynamo_lines import DynamoCartStore
    from shop.config import settings

    return DynamoCartStore(client("dynamodb"), settings().carts_table)


@built_once
def build_cart_service(
    *, carts: CartStore | None = None, catalog: ProductCatalog | None = None
) -> CartService:
    from shop.services.cart import CartService

    if catalog is None:
        from shop.adapters.aws import client
        from shop.adapters.catalog.product_prices_dynamo import DynamoProductCatalog
        from shop.config import settings

        catalog = DynamoProductCatalog(client("dynamodb"), settings().catalog_table)
    return CartService(_given(carts, build_cart_store), catalog)


@built_once
def build_guest_cart_merge(*, carts: CartStore | None = None) -> GuestCartMerge:
    """The auth service's GuestCartMerger: register and login with a guest_token merge its cart."""
    from shop.services.cart_merge import GuestCartMerge

    return GuestCartMerge(_given(carts, build_cart_store))


# ---------------------------------------------------------------- checkout, payments, orders
if TYPE_CHECKING:
    from shop.adapters.orders.order_addresses import SealedAddresses
    from shop.adapters.orders.orders_dynamo import DynamoOrderStore
    from shop.adapters.payment_gateway_mock import MockPaymentGateway
    from shop.adapters.pii_crypto import EnvelopeCipher
    from shop.api.idempotency import Idempotency
    from shop.services.checkout import CheckoutService
    from shop.services.idempotency_ports import IdempotencyStore
    from shop.services.order_ports import CartSource, OrderStore, PaymentGateway, ProductSource
    from shop.services.orders import OrderQueries
    from shop.services.orders_cancel import CancelService
    from shop.services.payments import PaymentService
    from shop.services.refunds import RefundPayments
    from shop.services.reservation_expiry import ReservationExpiry


@cache
def build_order_store() -> DynamoOrderStore:
    """Orders, their events and payments; commits stock moves on CatalogTable in the same transaction.
    This one never opens a shipping address (orders read with an empty one): no KMS grant needed."""
    from shop.adapters.aws import client
    from shop.adapters.orders.orders_dynamo import DynamoOrderStore
    from shop.config import settings

    config = settings()
    return DynamoOrderStore(
        client("dynamodb"), config.orders_table, config.catalog_table, audit=build_audit_chains()
    )


@cache
def build_order_data_cipher() -> EnvelopeCipher:
    """Envelope encryption of order data (addresses, stored order responses) under its own KMS purpose."""
    from shop.adapters.aws import lazy_client
    from shop.adapters.orders.order_addresses import KMS_PURPOSE
    from shop.adapters.pii_crypto import EnvelopeCipher
    from shop.config import settings

    return EnvelopeCipher(lazy_client("kms"), settings().data_key_id, purpose=KMS_PURPOSE)


@cache
def build_order_addresses() -> SealedAddresses:
    from shop.adapters.orders.order_addresses import SealedAddresses

    return SealedAddresses(build_order_data_cipher())


@cache
def build_order_store_with_addresses() -> DynamoOrderStore:
    """The order store for functions that create orders or show them: seals and opens addresses."""
    from shop.adapters.aws import client
    from shop.adapters.orders.orders_dynamo import DynamoOrderStore
    from shop.config import settings

    config = settings()
    return DynamoOrderStore(
        client("dynamodb"),
        config.orders_table,
        config.catalog_table,
        build_order_addresses(),
        build_audit_chains(),
    )


@cache
def build_payment_gateway() -> MockPaymentGateway:
    """The payment gateway port's adapter: the mock (a real gateway adapter would be chosen here)."""
    from shop.adapters.payment_gateway_mock import THE_GATEWAY

    return THE_GATEWAY


@built_once
def build_idempotency(
    *, store: IdempotencyStore | None = None, key: Callable[[], bytes] | None = None
) -> Idempotency:
    """Idempotency-Key records on IdempotencyTable, for POST /checkout and POST /orders/{id}/payments:
    request fingerprints keyed by the idempotency secret, stored responses sealed as order data."""
    from shop.api.idempotency import Idempotency

    if store is None:
        from shop.adapters.aws import client
        from shop.adapters.idempotency.idempotency_dynamo import DynamoIdempotencyStore
        from shop.config import settings

        table = settings().idempotency_table
        store = DynamoIdempotencyStore(client("dynamodb"), table, cipher=build_order_data_cipher())
    if key is None:
        from shop.config import settings

        secrets, secret_id = build_secret_store(), settings().idempotency_secret

        def read_key() -> bytes:
            return secrets.read_required(secret_id).encode()

        key = read_key
    return Idempotency(store, key)


@built_once
def build_checkout_service(
    *,
    carts: CartSource | None = None,
    products: ProductSource | None = None,
    orders: OrderStore | None = None,
) -> CheckoutService:
    from shop.config import settings
    from shop.services.checkout import CheckoutService

    config = settings()
    if products is None:
        from shop.adapters.aws import client
        from shop.adapters.catalog.stock_dynamo import DynamoCheckoutProducts

        products = DynamoCheckoutProducts(client("dynamodb"), config.catalog_table)
    orders = _given(orders, build_order_store_with_addresses)
    return CheckoutService(_given(carts, build_cart_store), products, orders, config.reservation_ttl_seconds)


@built_once
def build_payment_service(
    *, orders: OrderStore | None = None, gateway: PaymentGateway | None = None, audit: AuditPort | None = None
) -> PaymentService:
    from shop.services.orders_cancel import CancelService
    from shop.services.payments import PaymentService

    order_store, trail = _given(orders, build_order_store_with_addresses), _given(audit, build_audit_trail)
    return PaymentService(
        order_store,
        _given(gateway, build_payment_gateway),
        trail,
        expire=CancelService(order_store, trail).expire,
    )


@built_once
def build_cancel_service(
    *, orders: OrderStore | None = None, audit: AuditPort | None = None
) -> CancelService:
    """POST /orders/{id}/cancel: answers the order (address opened); a paid order's refund is owed."""
    from shop.services.orders_cancel import CancelService

    return CancelService(_given(orders, build_order_store_with_addresses), _given(audit, build_audit_trail))


@built_once
def build_order_queries(*, orders: OrderStore | None = None) -> OrderQueries:
    """GET /orders, /orders/{id} and its events: the owner (or an admin) sees the address."""
    from shop.services.orders import OrderQueries

    return OrderQueries(_given(orders, build_order_store_with_addresses))


@built_once
def build_order_payment_queries(*, orders: OrderStore | None = None) -> OrderQueries:
    """GET /orders/{id}/payments: shows no address, so reads orders without opening one."""
    from shop.services.orders import OrderQueries

    return OrderQueries(_given(orders, build_order_store))


@built_once
def build_reservation_expiry(
    *, orders: OrderStore | None = None, audit: AuditPort | None = None
) -> ReservationExpiry:
    """The sweep shows no address: its own cancel service on the store that never opens one."""
    from shop.services.orders_cancel import CancelService
    from shop.services.reservation_expiry import ReservationExpiry

    orders = _given(orders, build_order_store)
    return ReservationExpiry(orders, CancelService(orders, _given(audit, build_audit_trail)))


@built_once
def build_refund_payments(
    *, orders: OrderStore | None = None, gateway: PaymentGateway | None = None, audit: AuditPort | None = None
) -> RefundPayments:
    """Refunds of cancelled paid orders, through the gateway, recorded on the order (no address)."""
    from shop.services.refunds import RefundPayments

    return RefundPayments(
        _given(orders, build_order_store),
        _given(gateway, build_payment_gateway),
        _given(audit, build_audit_trail),
    )


@built_once
def build_refunds_consumer(*, refunds: RefundPayments | None = None) -> EventConsumer:
    """The RefundsQueue handler body: order_cancelled events that owe a refund."""
    from shop.services.event_consumer import EventConsumer
    from shop.services.refunds import REFUND_TYPES

    refunds = _given(refunds, build_refund_payments)

    def settle(message: BusMessage) -> None:
        refunds.settle(message)

    return EventConsumer(refunds.consumer, settle, REFUND_TYPES)


# ---------------------------------------------------------------- admin users and audit
if TYPE_CHECKING:
    from shop.services.audit_listing import AuditIndex, AuditListing
    from shop.services.user_admin import UserAdmin, UserDirectory


@built_once
def build_user_admin(
    *,
    users: UserRepository | None = None,
    directory: UserDirectory | None = None,
    audit: AuditPort | None = None,
) -> UserAdmin:
    """Admin user routes: the user list (decrypted), role changes, disabling (ends the user's sessions)."""
    from shop.services.user_admin import UserAdmin

    if directory is None:
        from shop.adapters.admin_listings_dynamo import DynamoUserDirectory
        from shop.adapters.aws import client
        from shop.config import settings

        directory = DynamoUserDirectory(client("dynamodb"), settings().users_table, build_users())
    return UserAdmin(_given(users, build_users), directory, _given(audit, build_audit_trail))


@built_once
def build_audit_listing(*, index: AuditIndex | None = None) -> AuditListing:
    """GET /admin/audit: reads the trail only (its function gets no write permission on AuditTable)."""
    from shop.services.audit_listing import AuditListing

    if index is None:
        from shop.adapters.admin_listings_dynamo import DynamoAuditListing
        from shop.adapters.aws import client
        from shop.config import settings

        index = DynamoAuditListing(client("dynamodb"), settings().audit_table)
    return AuditListing(index)


# ---------------------------------------------------------------- notifications and sales statistics
if TYPE_CHECKING:
    from shop.adapters.stats.sales_stats_dynamo import DynamoSalesStats
    from shop.domain.bus_messages import BusMessage
    from shop.services.event_consumer import EventConsumer, ProcessedEvents
    from shop.services.notifications import Customers, Mailer, OrderNotifications
    from shop.services.sales_stats import SalesStatsProjector, SalesStatsStore
    from shop.services.sales_stats_report import SalesReports, SalesStatsReader


@built_once
def build_order_notifications(
    *,
    customers: Customers | None = None,
    mailer: Mailer | None = None,
    processed: ProcessedEvents | None = None,
) -> OrderNotifications:
    """Customer emails: decrypted recipient from UsersTable, SES v2, claim_once on the event id."""
    from shop.services.notifications import OrderNotifications

    if mailer is None:
        from shop.adapters.aws import lazy_client
        from shop.adapters.ses_mailer import SesMailer
        from shop.config import settings

        mailer = SesMailer(lazy_client("sesv2"), settings().mail_from)
    customers, processed = _given(customers, build_users), _given(processed, build_processed_events)
    return OrderNotifications(customers, mailer, processed)


@built_once
def build_notifications_consumer(*, notifications: OrderNotifications | None = None) -> EventConsumer:
    """The NotificationsQueue handler body: one email per order event it is written for."""
    from shop.domain.order_emails import EMAIL_TYPES
    from shop.services.event_consumer import EventConsumer

    notifications = _given(notifications, build_order_notifications)
    return EventConsumer(notifications.consumer, notifications.notify, EMAIL_TYPES)


@cache
def build_sales_stats_store() -> DynamoSalesStats:
    """Tallies and day aggregates on StatsTable; each tally is its order's processed marker (exactly once)."""
    from shop.adapters.aws import client
    from shop.adapters.stats.sales_stats_dynamo import DynamoSalesStats
    from shop.config import settings

    return DynamoSalesStats(client("dynamodb"), settings().stats_table)


@built_once
def build_sales_stats_projector(*, store: SalesStatsStore | None = None) -> SalesStatsProjector:
    from shop.services.sales_stats import SalesStatsProjector

    return SalesStatsProjector(_given(store, build_sales_stats_store))


@built_once
def build_sales_stats_consumer(*, projector: SalesStatsProjector | None = None) -> EventConsumer:
    """The SalesStatsQueue handler body."""
    from shop.domain.sales_stats import PROJECTED_TYPES
    from shop.services.event_consumer import EventConsumer

    projector = _given(projector, build_sales_stats_projector)

    def project(message: BusMessage) -> None:
        projector.apply(message)

    return EventConsumer(projector.consumer, project, PROJECTED_TYPES)


@built_once
def build_sales_reports(*, reader: SalesStatsReader | None = None) -> SalesReports:
    """GET /admin/stats/sales: reads StatsTable's day items only."""
    from shop.services.sales_stats_report import SalesReports

    if reader is None:
        from shop.adapters.aws import client
        from shop.adapters.stats.sales_stats_dynamo_days import DynamoSalesDays
        from shop.config import settings

        reader = DynamoSalesDays(client("dynamodb"), settings().stats_table)
    return SalesReports(reader)


# ---------------------------------------------------------------- shipping and admin orders
if TYPE_CHECKING:
    from shop.services.admin_orders import AdminOrderQueries, AllOrders
    from shop.services.shipments import ShipmentStore, ShippedOrders, ShippingService


@built_once
def build_shipping_service(
    *,
    orders: ShippedOrders | None = None,
    shipments: ShipmentStore | None = None,
    audit: AuditPort | None = None,
) -> ShippingService:
    """Shipments commit through the order store, with the shipment items as foreign elements."""
    from shop.services.shipments import ShippingService

    if shipments is None:
        from shop.adapters.aws import client
        from shop.adapters.orders.shipments_dynamo import DynamoShipmentStore
        from shop.config import settings

        shipments = DynamoShipmentStore(client("dynamodb"), settings().orders_table)
    return ShippingService(_given(orders, build_order_store), shipments, _given(audit, build_audit_trail))


@built_once
def build_admin_order_queries(*, orders: AllOrders | None = None) -> AdminOrderQueries:
    """GET /admin/orders: gsi2 (status filter) or gsi4 (every order), then the orders; read-only."""
    from shop.services.admin_orders import AdminOrderQueries

    if orders is None:
        from shop.adapters.aws import client
        from shop.adapters.orders.admin_orders_dynamo import DynamoAllOrders
        from shop.config import settings

        orders = DynamoAllOrders(
            client("dynamodb"), settings().orders_table, addresses=build_order_addresses()
        )
    return AdminOrderQueries(orders)


# ---------------------------------------------------------------- audit checkpoints
if TYPE_CHECKING:
    from shop.adapters.audit.audit_signing_kms import KmsCheckpointSigner
    from shop.services.audit import AuditCheckpoints, CheckpointSigner, TrailStore


@cache
def build_checkpoint_signer() -> KmsCheckpointSigner:
    """Signs with the audit key (the checkpoint function); verifies with its public key (the verifier)."""
    from shop.adapters.audit.audit_signing_kms import KmsCheckpointSigner
    from shop.adapters.aws import client
    from shop.config import settings

    return KmsCheckpointSigner(client("kms"), settings().audit_signing_key_id)


@built_once
def build_audit_checkpoints(
    *, store: TrailStore | None = None, signer: CheckpointSigner | None = None
) -> AuditCheckpoints:
    from datetime import UTC, datetime

    from shop.services.audit import AuditCheckpoints

    store, signer = _given(store, build_audit_store), _given(signer, build_checkpoint_signer)
    return AuditCheckpoints(store, signer, lambda: datetime.now(UTC))
