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
    from shop.adapters.catalog_dynamo_categories import DynamoCategoryStore
    from shop.config import settings
    from shop.services.catalog_categories import CategoryService

    store = DynamoCategoryStore(client("dynamodb"), settings().catalog_table)
    return CategoryService(store, build_catalog_audit_trail())


@cache
def build_product_service() -> ProductService:
    from shop.adapters.aws import client
    from shop.adapters.catalog_dynamo_products import DynamoProductStore
    from shop.config import settings
    from shop.services.catalog_products import ProductService

    store = DynamoProductStore(client("dynamodb"), settings().catalog_table)
    return ProductService(store, build_catalog_audit_trail())


@cache
def build_inventory_service() -> InventoryService:
    from shop.adapters.aws import client
    from shop.adapters.inventory_dynamo import DynamoStockStore
    from shop.config import settings
    from shop.services.inventory import InventoryService

    store = DynamoStockStore(client("dynamodb"), settings().catalog_table)
    return InventoryService(store, build_catalog_audit_trail())


# ---------------------------------------------------------------- auth and audit (auth team)
if TYPE_CHECKING:
    from shop.adapters.audit_dynamo import DynamoAuditStore
    from shop.adapters.secrets import SecretsManagerStore
    from shop.adapters.token_signer import JwtAccessTokens
    from shop.adapters.users_dynamo import DynamoUsers
    from shop.services.audit import AuditTrail
    from shop.services.auth import AuthService
    from shop.services.signing_keys import CachedKeyRing


@cache
def build_secret_store() -> SecretsManagerStore:
    from shop.adapters.secrets import SecretsManagerStore

    return SecretsManagerStore()


@cache
def build_key_ring() -> CachedKeyRing:
    """The signing keys, from their secret, cached in memory (the authorizer's only AWS call)."""
    from shop.adapters.secrets import SecretsManagerStore
    from shop.config import settings
    from shop.services.signing_keys import CachedKeyRing, KeyRing

    secret_id, store = settings().signing_key_secret, SecretsManagerStore(ttl=0)  # the ring caches itself
    return CachedKeyRing(lambda: KeyRing.from_json(store.read_required(secret_id)))


@cache
def build_access_tokens() -> JwtAccessTokens:
    """Issues and verifies access tokens. Light on purpose: the authorizer builds only this."""
    from shop.adapters.token_signer import JwtAccessTokens
    from shop.config import settings

    config = settings()
    return JwtAccessTokens(
        build_key_ring(), config.token_issuer, config.token_audience, config.access_token_ttl_seconds
    )


@cache
def build_audit_store() -> DynamoAuditStore:
    """The audit trail's storage, for `shop.services.audit.verify_chain` and audit listings."""
    from shop.adapters.audit_dynamo import DynamoAuditStore
    from shop.adapters.aws import client
    from shop.config import settings

    return DynamoAuditStore(client("dynamodb"), settings().audit_table)


@cache
def build_audit_trail() -> AuditTrail:
    """The hash-chained audit trail; every service that must audit a write records through it."""
    from shop.services.audit import AuditTrail

    return AuditTrail(build_audit_store())


class _NoGuestCarts:
    """TODO(issue 3): replace with the cart service's merge_guest_cart once carts exist.
    Until then a guest's cart is not merged at register/login (the guest token is still verified)."""

    def merge_guest_cart(self, guest_id: str, user_id: str) -> None:
        return None


@cache
def build_users() -> DynamoUsers:
    """The user repository (PII sealed with KMS data keys); admin user routes use it too."""
    from shop.adapters.aws import client
    from shop.adapters.pii_crypto import EnvelopeCipher
    from shop.adapters.users_dynamo import DynamoUsers
    from shop.config import settings

    config = settings()
    return DynamoUsers(
        client("dynamodb"), config.users_table, EnvelopeCipher(client("kms"), config.data_key_id)
    )


@cache
def build_auth_service() -> AuthService:
    from shop.adapters.aws import client
    from shop.adapters.login_attempts_dynamo import DynamoLoginAttempts
    from shop.adapters.refresh_tokens_dynamo import DynamoRefreshTokens
    from shop.adapters.secrets import SecretEmailIndex
    from shop.config import settings
    from shop.services.auth import AuthService
    from shop.services.auth_sessions import Sessions

    config, dynamodb = settings(), client("dynamodb")
    users, tokens, audit = build_users(), build_access_tokens(), build_audit_trail()
    refresh_tokens = DynamoRefreshTokens(dynamodb, config.users_table)
    sessions = Sessions(refresh_tokens, tokens, users, audit, config.refresh_token_ttl_seconds)
    email_index = SecretEmailIndex(build_secret_store(), config.blind_index_secret)
    attempts = DynamoLoginAttempts(dynamodb, config.users_table)
    return AuthService(users, sessions, tokens, email_index, attempts, audit, _NoGuestCarts())
