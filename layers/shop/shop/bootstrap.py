"""The composition root: builds adapters from settings and hands them to the services.

Handlers call one builder at module scope (once per cold start). Each builder imports only what
its service needs, so a function pays at cold start only for what it uses.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shop.services.catalog_audit import AuditPort
    from shop.services.catalog_categories import CategoryService
    from shop.services.catalog_products import ProductService
    from shop.services.inventory import InventoryService


# ---------------------------------------------------------------- catalog and inventory
@cache
def build_catalog_audit_trail() -> AuditPort:
    """The audit trail catalog and inventory writes go to: the shared hash-chained one."""
    return build_audit_trail()


@cache
def build_category_service() -> CategoryService:
    from shop.adapters.aws import client
    from shop.adapters.catalog.catalog_dynamo_categories import DynamoCategoryStore
    from shop.config import settings
    from shop.services.catalog_categories import CategoryService

    store = DynamoCategoryStore(client("dynamodb"), settings().catalog_table, build_audit_chains())
    return CategoryService(store, build_catalog_audit_trail())


@cache
def build_product_service() -> ProductService:
    from shop.adapters.aws import client
    from shop.adapters.catalog.catalog_dynamo_products import DynamoProductStore
    from shop.config import settings
    from shop.services.catalog_products import ProductService

    store = DynamoProductStore(client("dynamodb"), settings().catalog_table, build_audit_chains())
    return ProductService(store, build_catalog_audit_trail())


@cache
def build_inventory_service() -> InventoryService:
    from shop.adapters.aws import client
    from shop.adapters.catalog.inventory_dynamo import DynamoStockStore
    from shop.config import settings
    from shop.services.inventory import InventoryService

    store = DynamoStockStore(client("dynamodb"), settings().catalog_table, build_audit_chains())
    return InventoryService(store, build_catalog_audit_trail())


# ---------------------------------------------------------------- auth and audit
if TYPE_CHECKING:
    from shop.adapters.audit.audit_dynamo import AuditChains, DynamoTrail
    from shop.adapters.secrets import SecretsManagerStore
    from shop.adapters.token_signer import JwtAccessTokens
    from shop.adapters.users.users_dynamo import DynamoUsers
    from shop.services.accounts import Accounts
    from shop.services.audit import AuditTrail
    from shop.services.auth import AuthService, GuestTokens
    from shop.services.auth_ports import RefreshTokenStore
    from shop.services.auth_sessions import Logouts, Sessions
    from shop.services.client_limits import ClientLimits
    from shop.services.signing_keys import CachedKeyRing, KeyRing, PublicKeyRing
    from shop.services.token_admission import TokenAdmission


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


@cache
def build_token_admission() -> TokenAdmission:
    """The authorizer's check: the token's signature (public keys only) and the user's access state.
    Light on purpose: no cipher, no pydantic."""
    from shop.adapters.aws import client
    from shop.adapters.token_signer import JwtAccessTokenVerifier, public_keys
    from shop.adapters.users.access_states_dynamo import DynamoAccessStates
    from shop.config import settings
    from shop.services.token_admission import TokenAdmission

    config = settings()
    verifier = JwtAccessTokenVerifier(
        public_keys(build_public_key_ring()), config.token_issuer, config.token_audience
    )
    return TokenAdmission(verifier, DynamoAccessStates(client("dynamodb"), config.users_table))


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


@cache
def build_audit_trail() -> AuditTrail:
    """The hash-chained audit trail; every service that must audit a write drafts its entries here."""
    from shop.config import settings
    from shop.services.audit import AuditTrail

    return AuditTrail(build_audit_chains(), settings().audit_chain_shards)


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


@cache
def build_auth_service() -> AuthService:
    """Also builds the decoy hash that unknown emails are checked against: at cold start, here."""
    from shop.adapters.secrets import SecretEmailIndex
    from shop.config import settings
    from shop.services.auth import AuthService

    config = settings()
    users, tokens, audit = build_users(), build_access_tokens(), build_audit_trail()
    email_index = SecretEmailIndex(build_secret_store(), config.blind_index_secret)
    limits, carts = build_client_limits(), build_guest_cart_merge()
    return AuthService(users, build_sessions(), tokens, email_index, limits, audit, carts)


@cache
def build_refresh_tokens() -> RefreshTokenStore:
    from shop.adapters.aws import client
    from shop.adapters.users.refresh_tokens_dynamo import DynamoRefreshTokens
    from shop.config import settings

    return DynamoRefreshTokens(client("dynamodb"), settings().users_table, build_audit_chains())


@cache
def build_sessions() -> Sessions:
    """POST /auth/refresh: refresh tokens, the user (its current role), the token signer, the trail."""
    from shop.config import settings
    from shop.services.auth_sessions import Sessions

    ttl = settings().refresh_token_ttl_seconds
    return Sessions(build_refresh_tokens(), build_access_tokens(), build_users(), build_audit_trail(), ttl)


@cache
def build_logouts() -> Logouts:
    """POST /auth/logout: the refresh tokens alone (no signing keys, no cipher)."""
    from shop.services.auth_sessions import Logouts

    return Logouts(build_refresh_tokens())


@cache
def build_accounts() -> Accounts:
    """GET /auth/me: the user store alone."""
    from shop.services.accounts import Accounts

    return Accounts(build_users())


@cache
def build_client_limits() -> ClientLimits:
    """Per-client-IP limits on registrations, guest tokens and failed logins (RateLimitsTable)."""
    from shop.adapters.aws import client
    from shop.adapters.rate_limits.rate_limits_dynamo import DynamoRateLimiter
    from shop.config import settings
    from shop.services.client_limits import ClientLimits

    config = settings()
    return ClientLimits(DynamoRateLimiter(client("dynamodb"), config.rate_limits_table), config.client_limits)


@cache
def build_guest_tokens() -> GuestTokens:
    """POST /auth/guest: the token signer and the per-IP limit, nothing else."""
    from shop.services.auth import GuestTokens

    return GuestTokens(build_access_tokens(), build_client_limits())


# ---------------------------------------------------------------- event bus
if TYPE_CHECKING:
    from shop.adapters.processed_events.processed_events_dynamo import DynamoProcessedEvents
    from shop.services.event_publishing import OrderEventPublisher


@cache
def build_order_event_publisher() -> OrderEventPublisher:
    """OrdersTable stream -> order events topic (the publisher function's only dependency)."""
    from shop.adapters.aws import client
    from shop.adapters.orders.orders_paid_listing import DynamoPaidListing
    from shop.adapters.sns_publisher import SnsBusPublisher
    from shop.config import settings
    from shop.services.event_publishing import OrderEventPublisher

    bus = SnsBusPublisher(client("sns"), settings().order_events_topic_arn)
    return OrderEventPublisher(bus, DynamoPaidListing(client("dynamodb"), settings().orders_table))


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


@cache
def build_cart_store() -> DynamoCartStore:
    """The carts on CartsTable; checkout uses its get_cart_for_checkout and cart_delete_item."""
    from shop.adapters.aws import client
    from shop.adapters.carts.carts_dynamo_lines import DynamoCartStore
    from shop.config import settings

    return DynamoCartStore(client("dynamodb"), settings().carts_table)


@cache
def build_cart_service() -> CartService:
    from shop.adapters.aws import client
    from shop.adapters.catalog.product_prices_dynamo import DynamoProductCatalog
    from shop.config import settings
    from shop.services.cart import CartService

    return CartService(build_cart_store(), DynamoProductCatalog(client("dynamodb"), settings().catalog_table))


@cache
def build_guest_cart_merge() -> GuestCartMerge:
    """The auth service's GuestCartMerger: register and login with a guest_token merge its cart."""
    from shop.services.cart_merge import GuestCartMerge

    return GuestCartMerge(build_cart_store())


# ---------------------------------------------------------------- checkout, payments, orders
if TYPE_CHECKING:
    from shop.adapters.orders.order_addresses import SealedAddresses
    from shop.adapters.orders.orders_dynamo import DynamoOrderStore
    from shop.adapters.payment_gateway_mock import MockPaymentGateway
    from shop.adapters.pii_crypto import EnvelopeCipher
    from shop.api.idempotency import Idempotency
    from shop.services.checkout import CheckoutService
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


@cache
def build_idempotency() -> Idempotency:
    """Idempotency-Key records on IdempotencyTable, for POST /checkout and POST /orders/{id}/payments:
    request fingerprints keyed by the idempotency secret, stored responses sealed as order data."""
    from shop.adapters.aws import client
    from shop.adapters.idempotency.idempotency_dynamo import DynamoIdempotencyStore
    from shop.api.idempotency import Idempotency
    from shop.config import settings

    config, secrets = settings(), build_secret_store()
    store = DynamoIdempotencyStore(
        client("dynamodb"), config.idempotency_table, cipher=build_order_data_cipher()
    )
    return Idempotency(store, lambda: secrets.read_required(config.idempotency_secret).encode())


@cache
def build_checkout_service() -> CheckoutService:
    from shop.adapters.aws import client
    from shop.adapters.catalog.stock_dynamo import DynamoCheckoutProducts
    from shop.config import settings
    from shop.services.checkout import CheckoutService

    config = settings()
    products = DynamoCheckoutProducts(client("dynamodb"), config.catalog_table)
    orders = build_order_store_with_addresses()
    return CheckoutService(build_cart_store(), products, orders, config.reservation_ttl_seconds)


@cache
def build_payment_service() -> PaymentService:
    from shop.services.payments import PaymentService

    return PaymentService(build_order_store_with_addresses(), build_payment_gateway(), build_audit_trail())


@cache
def build_cancel_service() -> CancelService:
    """POST /orders/{id}/cancel: answers the order (address opened); a paid order's refund is owed."""
    from shop.services.orders_cancel import CancelService

    return CancelService(build_order_store_with_addresses(), build_audit_trail())


@cache
def build_order_queries() -> OrderQueries:
    """GET /orders, /orders/{id} and its events: the owner (or an admin) sees the address."""
    from shop.services.orders import OrderQueries

    return OrderQueries(build_order_store_with_addresses())


@cache
def build_order_payment_queries() -> OrderQueries:
    """GET /orders/{id}/payments: shows no address, so reads orders without opening one."""
    from shop.services.orders import OrderQueries

    return OrderQueries(build_order_store())


@cache
def build_reservation_expiry() -> ReservationExpiry:
    """The sweep shows no address: its own cancel service on the store that never opens one."""
    from shop.services.orders_cancel import CancelService
    from shop.services.reservation_expiry import ReservationExpiry

    orders = build_order_store()
    return ReservationExpiry(orders, CancelService(orders, build_audit_trail()))


@cache
def build_refund_payments() -> RefundPayments:
    """Refunds of cancelled paid orders, through the gateway, recorded on the order (no address)."""
    from shop.services.refunds import RefundPayments

    return RefundPayments(build_order_store(), build_payment_gateway(), build_audit_trail())


@cache
def build_refunds_consumer() -> EventConsumer:
    """The RefundsQueue handler body: order_cancelled events that owe a refund."""
    from shop.services.event_consumer import EventConsumer
    from shop.services.refunds import REFUND_TYPES

    refunds = build_refund_payments()

    def settle(message: BusMessage) -> None:
        refunds.settle(message)

    return EventConsumer(refunds.consumer, settle, REFUND_TYPES)


# ---------------------------------------------------------------- admin users and audit
if TYPE_CHECKING:
    from shop.services.audit_listing import AuditListing
    from shop.services.user_admin import UserAdmin


@cache
def build_user_admin() -> UserAdmin:
    """Admin user routes: the user list (decrypted), role changes, disabling (ends the user's sessions)."""
    from shop.adapters.admin_listings_dynamo import DynamoUserDirectory
    from shop.adapters.aws import client
    from shop.config import settings
    from shop.services.user_admin import UserAdmin

    table, users = settings().users_table, build_users()
    directory = DynamoUserDirectory(client("dynamodb"), table, users)
    return UserAdmin(users, directory, build_audit_trail())


@cache
def build_audit_listing() -> AuditListing:
    """GET /admin/audit: reads the trail only (its function gets no write permission on AuditTable)."""
    from shop.adapters.admin_listings_dynamo import DynamoAuditListing
    from shop.adapters.aws import client
    from shop.config import settings
    from shop.services.audit_listing import AuditListing

    return AuditListing(DynamoAuditListing(client("dynamodb"), settings().audit_table))


# ---------------------------------------------------------------- notifications and sales statistics
if TYPE_CHECKING:
    from shop.adapters.stats.sales_stats_dynamo import DynamoSalesStats
    from shop.domain.bus_messages import BusMessage
    from shop.services.event_consumer import EventConsumer
    from shop.services.notifications import OrderNotifications
    from shop.services.sales_stats import SalesStatsProjector
    from shop.services.sales_stats_report import SalesReports


@cache
def build_order_notifications() -> OrderNotifications:
    """Customer emails: decrypted recipient from UsersTable, SES v2, claim_once on the event id."""
    from shop.adapters.aws import lazy_client
    from shop.adapters.ses_mailer import SesMailer
    from shop.config import settings
    from shop.services.notifications import OrderNotifications

    mailer = SesMailer(lazy_client("sesv2"), settings().mail_from)
    return OrderNotifications(build_users(), mailer, build_processed_events())


@cache
def build_notifications_consumer() -> EventConsumer:
    """The NotificationsQueue handler body: one email per order event it is written for."""
    from shop.domain.order_emails import EMAIL_TYPES
    from shop.services.event_consumer import EventConsumer

    notifications = build_order_notifications()
    return EventConsumer(notifications.consumer, notifications.notify, EMAIL_TYPES)


@cache
def build_sales_stats_store() -> DynamoSalesStats:
    """Tallies and day aggregates on StatsTable; each tally is its order's processed marker (exactly once)."""
    from shop.adapters.aws import client
    from shop.adapters.stats.sales_stats_dynamo import DynamoSalesStats
    from shop.config import settings

    return DynamoSalesStats(client("dynamodb"), settings().stats_table)


@cache
def build_sales_stats_projector() -> SalesStatsProjector:
    from shop.services.sales_stats import SalesStatsProjector

    return SalesStatsProjector(build_sales_stats_store())


@cache
def build_sales_stats_consumer() -> EventConsumer:
    """The SalesStatsQueue handler body."""
    from shop.domain.sales_stats import PROJECTED_TYPES
    from shop.services.event_consumer import EventConsumer

    projector = build_sales_stats_projector()

    def project(message: BusMessage) -> None:
        projector.apply(message)

    return EventConsumer(projector.consumer, project, PROJECTED_TYPES)


@cache
def build_sales_reports() -> SalesReports:
    """GET /admin/stats/sales: reads StatsTable's day items only."""
    from shop.adapters.aws import client
    from shop.adapters.stats.sales_stats_dynamo_days import DynamoSalesDays
    from shop.config import settings
    from shop.services.sales_stats_report import SalesReports

    return SalesReports(DynamoSalesDays(client("dynamodb"), settings().stats_table))


# ---------------------------------------------------------------- shipping and admin orders
if TYPE_CHECKING:
    from shop.services.admin_orders import AdminOrderQueries
    from shop.services.shipments import ShippingService


@cache
def build_shipping_service() -> ShippingService:
    """Shipments commit through the order store, with the shipment items as foreign elements."""
    from shop.adapters.aws import client
    from shop.adapters.orders.shipments_dynamo import DynamoShipmentStore
    from shop.config import settings
    from shop.services.shipments import ShippingService

    shipments = DynamoShipmentStore(client("dynamodb"), settings().orders_table)
    return ShippingService(build_order_store(), shipments, build_audit_trail())


@cache
def build_admin_order_queries() -> AdminOrderQueries:
    """GET /admin/orders: gsi2 (status filter) or gsi4 (every order), then the orders; read-only."""
    from shop.adapters.aws import client
    from shop.adapters.orders.admin_orders_dynamo import DynamoAllOrders
    from shop.config import settings
    from shop.services.admin_orders import AdminOrderQueries

    orders = DynamoAllOrders(client("dynamodb"), settings().orders_table, addresses=build_order_addresses())
    return AdminOrderQueries(orders)


# ---------------------------------------------------------------- audit checkpoints
if TYPE_CHECKING:
    from shop.adapters.audit.audit_signing_kms import KmsCheckpointSigner
    from shop.services.audit import AuditCheckpoints


@cache
def build_checkpoint_signer() -> KmsCheckpointSigner:
    """Signs with the audit key (the checkpoint function); verifies with its public key (the verifier)."""
    from shop.adapters.audit.audit_signing_kms import KmsCheckpointSigner
    from shop.adapters.aws import client
    from shop.config import settings

    return KmsCheckpointSigner(client("kms"), settings().audit_signing_key_id)


@cache
def build_audit_checkpoints() -> AuditCheckpoints:
    from datetime import UTC, datetime

    from shop.services.audit import AuditCheckpoints

    return AuditCheckpoints(build_audit_store(), build_checkpoint_signer(), lambda: datetime.now(UTC))
