"""Fakes of the ports for unit tests, checked by mypy against the ports they stand for.

Each fake keeps the promises of the DynamoDB adapter it stands for (conditional writes, counted
uses, atomic rotation), so that a service test means what it says; `_fakes_fit_their_ports` at the
end names the port of each. Tests build services with them through the bootstrap's builders:
`build_inventory_service(store=MemoryStock(mug=5), audit=RecordingAudit())`.

`RecordingAudit` is the services' AuditPort: `draft` makes real drafts, and a fake store that
commits a change calls `land(drafts)` in the same step, as the DynamoDB stores write them in the
change's transaction; `record` lands at once. `MemoryTrail` is the trail's storage (chains without
a head item, checkpoints) for the audit service's own tests. `FakeUsers` is the users table: the
auth service's UserAccounts, the admin's UserDirectory and the notifications' Customers.

Orders and carts: `MemoryOrders` is OrdersTable (OrderStore, and shipping's ShippedOrders), whose
commit applies a change all-or-nothing under the transaction's conditions and moves stock on
`MemoryShelves` (checkout's ProductSource); `MemoryShipments` and `MemoryCarts` (CartStore and
checkout's CartSource) make `tx_element`s that such a commit checks, then applies.
`MemoryProductCatalog` is the cart's ProductCatalog. `CartsOfTheirOwn` is a CartSource for checkouts
against the real DynamoDB order store (integration and DynamoDB Local tests).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from weakref import WeakValueDictionary

from botocore.exceptions import ClientError

from shop.adapters.dynamo_paging import Position, decode_cursor, encode_cursor, scope_of
from shop.adapters.token_signer import JwtAccessTokens
from shop.config import settings
from shop.domain.audit_chain import GENESIS_HASH, AuditDraft, AuditEntry, Checkpoint, sealed
from shop.domain.bus_messages import BusMessage
from shop.domain.cart import (
    MAX_LINES,
    MAX_QUANTITY,
    CartChanged,
    CartLine,
    CartOwner,
    StoredCart,
    expires_at,
    line_over_limit,
    with_quantity,
)
from shop.domain.cart import timestamp as cart_timestamp
from shop.domain.catalog import Category, Product, ProductStatus, StaleWrite, sku_key, uses_category
from shop.domain.inventory import StockedProduct, StockLevels, needed_available
from shop.domain.order_emails import OrderEmail
from shop.domain.order_event_data import OrderCancelled
from shop.domain.orders import MAX_OPEN_ORDERS, Order, OrderEvent
from shop.domain.paging import Page
from shop.domain.payments import REFUND_STEPS, Payment
from shop.domain.rate_limits import Bucket, Limit, Slot, after_attempt, held, locked_if_full, wait_for_room
from shop.domain.sales_stats import OrderTally, Projection
from shop.domain.shipments import Shipment
from shop.domain.tokens import AccessClaims, AccessState, RefreshToken
from shop.domain.users import User, UserRole, changes_access
from shop.errors import (
    CartFull,
    CategoryNotEmpty,
    Conflict,
    EmailTaken,
    InsufficientStock,
    InvalidToken,
    NotFound,
    RateLimited,
    SkuTaken,
    SlugTaken,
    ValidationFailed,
)
from shop.services.admin_orders import AllOrders
from shop.services.audit import AuditChains, AuditTrail, CheckpointSigner, CheckpointVerifier, TrailStore
from shop.services.audit_listing import AuditIndex
from shop.services.auth_ports import (
    AccessEntries,
    GuestCartMerger,
    RateLimiter,
    ReadAlong,
    RefreshTokenStore,
    StoredCredentials,
    UserAccounts,
    no_entries,
)
from shop.services.cart_ports import CartStore, ProductCatalog
from shop.services.catalog_audit import AuditPort
from shop.services.catalog_ports import CategoryStore, ProductStore
from shop.services.event_consumer import ProcessedEvents
from shop.services.event_publishing import BusPublisher, PaidListing
from shop.services.idempotency_ports import Claim, Existing, IdempotencyStore, StoredResponse
from shop.services.inventory import StockStore
from shop.services.notifications import Customers, Mailer, MailNotSent
from shop.services.order_ports import (
    CartSource,
    CheckoutLine,
    CommitRefused,
    OrderChange,
    OrderHistory,
    OrderStore,
    ProductSnapshot,
    ProductSource,
    Shortage,
    StockMove,
    TxItem,
)
from shop.services.sales_stats import SalesStatsStore, StaleTally
from shop.services.sales_stats_report import DayTotals, ProductDayTotals, SalesStatsReader
from shop.services.shipments import ShipmentStore, ShippedOrders
from shop.services.signing_keys import CachedKeyRing, first_key_ring
from shop.services.token_admission import AccessStates, TokenVerifier
from shop.services.user_admin import UserDirectory

_RECORDERS: WeakValueDictionary[str, RecordingAudit] = WeakValueDictionary()

# ---------------------------------------------------------------- settings
REQUIRED_SETTINGS = (
    *("USERS_TABLE", "CATALOG_TABLE", "AUDIT_TABLE", "CARTS_TABLE", "ORDERS_TABLE", "IDEMPOTENCY_TABLE"),
    *("PROCESSED_EVENTS_TABLE", "STATS_TABLE", "RATE_LIMITS_TABLE", "ORDER_EVENTS_TOPIC_ARN", "DATA_KEY_ID"),
    *("SIGNING_KEY_SECRET", "VERIFICATION_KEYS_SECRET", "BLIND_INDEX_SECRET", "IDEMPOTENCY_SECRET"),
)
"""The settings shop.config requires (the others have defaults)."""


def stand_in_settings() -> dict[str, str]:
    """A value for each required setting: enough for a function's cold start (every service built,
    its clients made), nothing that could be called."""
    return {name: f"unit-{name.lower()}" for name in REQUIRED_SETTINGS}


# ---------------------------------------------------------------- audit
class RecordingAudit:
    """What reached the trail, as dicts (`entries`), in commit order."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self._trail = AuditTrail(_Landing(self), shards=4, clock=lambda: "2026-01-01T00:00:00.000Z")

    def draft(self, **fields: Any) -> AuditDraft:
        made = self._trail.draft(**fields)
        _RECORDERS[made.id] = self
        return made

    def record(self, **fields: Any) -> AuditEntry:
        return self._trail.record(**fields)

    def landed(self, draft: AuditDraft) -> None:
        entry = asdict(draft)
        del entry["id"], entry["at"], entry["chain"], entry["opens_chain"]
        self.entries.append(entry)

    def actions(self) -> list[str]:
        return [str(entry["action"]) for entry in self.entries]


class _Landing:
    def __init__(self, recorder: RecordingAudit) -> None:
        self._recorder = recorder

    def append(self, drafts: Sequence[AuditDraft]) -> list[AuditEntry]:
        for draft in drafts:
            self._recorder.landed(draft)
        return [sealed(draft, 1, GENESIS_HASH) for draft in drafts]


def land(drafts: Sequence[AuditDraft]) -> None:
    """A fake store committed the change these drafts record."""
    for draft in drafts:
        _RECORDERS[draft.id].landed(draft)


class MemoryTrail:
    """Chains and checkpoints in memory, with DynamoDB's rule for an entry: its place must be free."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, int], AuditEntry] = {}
        self.saved: dict[int, Checkpoint] = {}
        self.races = 0  # how many next appends find their place taken by another writer

    def head(self, chain: str) -> tuple[int, str]:
        seqs = [seq for (c, seq) in self.items if c == chain]
        return (max(seqs), self.items[(chain, max(seqs))].hash) if seqs else (0, GENESIS_HASH)

    def append(self, drafts: Sequence[AuditDraft]) -> list[AuditEntry]:
        for _ in range(10):
            entries, heads = [], dict[str, tuple[int, str]]()
            for draft in drafts:
                seq, last = heads.get(draft.chain) or self.head(draft.chain)
                entry = sealed(draft, seq + 1, last)
                heads[draft.chain] = (entry.seq, entry.hash)
                entries.append(entry)
            if self.races:
                self.races -= 1
                continue
            self.items.update({(e.chain, e.seq): e for e in entries})
            return entries
        raise RuntimeError("lost every race")

    def chains_written_since(self, at: str) -> set[str]:
        return {entry.chain for entry in self.items.values() if entry.at >= at}

    def last_checkpoint(self) -> Checkpoint | None:
        return self.saved[max(self.saved)] if self.saved else None

    def put_checkpoint(self, checkpoint: Checkpoint) -> bool:
        if checkpoint.seq in self.saved:
            return False
        self.saved[checkpoint.seq] = checkpoint
        return True

    def checkpoints(self) -> Iterator[Checkpoint]:
        yield from (self.saved[seq] for seq in sorted(self.saved))

    def chains(self) -> Iterator[tuple[str, list[AuditEntry]]]:
        for chain in sorted({c for c, _ in self.items}):
            yield chain, sorted((e for (c, _), e in self.items.items() if c == chain), key=lambda e: e.seq)

    def newest_entries(
        self, actor_id: str | None, action: str | None, limit: int, cursor: str | None
    ) -> Page[AuditEntry]:
        """The admin's listing, in one page (a cursor is refused: this fake makes none)."""
        if cursor is not None:
            raise ValidationFailed(details=[{"field": "query.cursor"}])
        entries = [
            e for e in self.items.values() if actor_id in (None, e.actor_id) and action in (None, e.action)
        ]
        return Page(sorted(entries, key=lambda e: (e.at, e.id), reverse=True)[:limit], None)


class HmacSigner:
    """A stand-in for the KMS key: signs and verifies with a secret (the real one is asymmetric)."""

    key_id = "test-key"

    def __init__(self, secret: bytes = b"checkpoint-secret") -> None:
        self._secret = secret

    def sign(self, digest: bytes) -> bytes:
        return hashlib.sha256(self._secret + digest).digest()

    def verify(self, key_id: str, digest: bytes, signature: bytes) -> bool:
        return key_id == self.key_id and signature == self.sign(digest)


# ---------------------------------------------------------------- users and auth
class FakeUsers:
    """Users by id and by email index, with the stores' promises: a taken email index is EmailTaken,
    an unknown user NotFound; `writes` counts access changes, `unsealed` decryptions of personal data."""

    def __init__(self, *users: User) -> None:
        self.by_id: dict[str, User] = {user.id: user for user in users}
        self.by_index: dict[str, str] = {}
        self.writes = 0
        self.unsealed = 0

    def create(self, user: User, email_index: str, audit: Sequence[AuditDraft] = ()) -> None:
        if email_index in self.by_index:
            raise EmailTaken()
        self.by_id[user.id], self.by_index[email_index] = user, user.id
        land(audit)

    def get(self, user_id: str) -> User | None:
        return self.by_id.get(user_id)

    def find_by_email_index(self, email_index: str) -> User | None:
        user_id = self.by_index.get(email_index)
        return self.by_id.get(user_id) if user_id else None

    def find_credentials(self, email_index: str, along: Sequence[ReadAlong] = ()) -> StoredCredentials | None:
        """`along`: the memory stores' items need no reading (a MemoryRoom reads its bucket itself)."""
        user = self.find_by_email_index(email_index)
        if user is None:
            return None

        def unseal() -> User:
            self.unsealed += 1
            return user

        return StoredCredentials(user.id, user.role, user.disabled, user.password_hash, unseal)

    def update_access(
        self,
        user_id: str,
        *,
        role: UserRole | None = None,
        disabled: bool | None = None,
        audit: AccessEntries = no_entries,
    ) -> User:
        if user_id not in self.by_id:
            raise NotFound()
        before = self.by_id[user_id]
        if not changes_access(before, role, disabled):  # like the DynamoDB store: no write at all
            return before
        self.writes += 1
        user = replace(
            before, role=role or before.role, disabled=before.disabled if disabled is None else disabled
        )
        if disabled and not before.disabled:  # like the DynamoDB store: the write starts a new epoch
            user = replace(user, session_epoch=user.session_epoch + 1)
        self.by_id[user_id] = user
        land(audit(before))
        return user

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.by_id[user_id] = replace(self.by_id[user_id], password_hash=password_hash)

    def newest_users(self, limit: int, cursor: str | None) -> Page[User]:
        return Page(list(self.by_id.values())[:limit], None)


class MemoryRefreshTokens:
    """Refresh token families; `rotate` spends an active, unexpired token of a live family atomically."""

    def __init__(self) -> None:
        self.tokens: dict[str, RefreshToken] = {}
        self.revoked: dict[str, bool] = {}

    def start_family(
        self, token: RefreshToken, audit: Sequence[AuditDraft] = (), along: Sequence[TxItem] = ()
    ) -> None:
        self.revoked[token.family_id] = False
        self.tokens[token.token_hash] = token
        for element in along:
            element["apply"]()
        land(audit)

    def find(self, token_hash: str) -> RefreshToken | None:
        return self.tokens.get(token_hash)

    def rotate(self, spent_hash: str, successor: RefreshToken, now: int) -> bool:
        old = self.tokens.get(spent_hash)
        if old is None or old.status != "active" or old.expires_at <= now or self.revoked[old.family_id]:
            return False
        self.tokens[spent_hash] = replace(old, status="spent")
        self.tokens[successor.token_hash] = successor
        return True

    def revoke_family(self, family_id: str, audit: Sequence[AuditDraft] = ()) -> None:
        self.revoked[family_id] = True
        land(audit)


class MemoryRoom:
    """A MemoryRateLimiter bucket's room, read when asked."""

    def __init__(self, limiter: MemoryRateLimiter, bucket: str, limit: Limit, now: int) -> None:
        self._limiter, self._bucket, self._limit, self._now = limiter, bucket, limit, now

    def request(self) -> tuple[str, dict[str, Any]]:
        return "memory", {"bucket": self._bucket}

    def found(self, item: dict[str, Any] | None) -> None:
        pass

    def wait(self) -> int:
        return wait_for_room(self._limiter.buckets.get(self._bucket), self._limit, self._now)


class MemoryRateLimiter:
    """The DynamoDB limiter's promises, on a dict, by the same domain rules."""

    def __init__(self) -> None:
        self.buckets: dict[str, Bucket] = {}

    def take(self, bucket: str, limit: Limit, now: int) -> Slot:
        taken = after_attempt(self._admit(bucket, limit, now), limit, now)
        self.buckets[bucket] = taken
        return Slot(bucket, taken.window_ends)

    def hold(self, bucket: str, limit: Limit, now: int) -> Bucket:
        return self._admit(bucket, limit, now)

    def room(self, bucket: str, limit: Limit, now: int) -> MemoryRoom:
        return MemoryRoom(self, bucket, limit, now)

    def release_element(self, bucket: str, now: int) -> TxItem:
        def release() -> None:
            seen = self.buckets.get(bucket) or Bucket(0, now, 0, now)
            self.buckets[bucket] = replace(seen, hits=seen.hits - 1)

        return tx_element(lambda: True, release)

    def release(self, bucket: str, now: int) -> None:
        if (seen := self.buckets.get(bucket)) is not None and seen.hits > 0:
            self.release_element(bucket, now)["apply"]()

    def lock_if_full(self, bucket: str, held: Bucket, limit: Limit, now: int) -> None:
        if self.buckets.get(bucket) == held:
            self.buckets[bucket] = locked_if_full(held, limit, now)

    def _admit(self, bucket: str, limit: Limit, now: int) -> Bucket:
        seen = self.buckets.get(bucket)
        taken = held(seen, limit, now)
        if taken is None:
            assert seen is not None
            raise RateLimited(retry_after_seconds=seen.retry_after(now))
        self.buckets[bucket] = taken
        return taken


class RecordingCartMerges:
    """The auth service's GuestCartMerger: remembers which guest cart went to which user."""

    def __init__(self) -> None:
        self.merged: list[tuple[str, str]] = []

    def merge_guest_cart(self, guest_id: str, user_id: str) -> None:
        self.merged.append((guest_id, user_id))


def memory_access_tokens(clock: Callable[[], float] = time.time) -> JwtAccessTokens:
    """The real token signer on a key ring made in memory (no Secrets Manager)."""
    ring = first_key_ring(0)
    keys = CachedKeyRing(lambda: ring, lambda ring, kid: ring.key(kid) is not None)
    return JwtAccessTokens(keys, "iss", "aud", 900, clock=clock)


class FakeTokenVerifier:
    """Knows the tokens in `claims`; any other is InvalidToken."""

    def __init__(self) -> None:
        self.claims: dict[str, AccessClaims] = {}

    def verify(self, token: str) -> AccessClaims:
        if token not in self.claims:
            raise InvalidToken()
        return self.claims[token]


class MemoryAccessStates:
    def __init__(self) -> None:
        self.states: dict[str, AccessState] = {}
        self.reads: list[str] = []

    def current(self, user_id: str) -> AccessState | None:
        self.reads.append(user_id)
        return self.states.get(user_id)


# ---------------------------------------------------------------- catalog and inventory
class MemoryCatalog:
    """Categories and products with guard-item semantics: unique slugs/SKUs, counted category use;
    `stale_writes` makes that many next writes fail as if someone else wrote first."""

    def __init__(self) -> None:
        self.categories: dict[str, Category] = {}
        self.products: dict[str, Product] = {}
        self.product_count: dict[str, int] = {}
        self.stale_writes = 0

    def _maybe_stale(self) -> None:
        if self.stale_writes:
            self.stale_writes -= 1
            raise StaleWrite()

    def all_categories(self) -> list[Category]:
        return sorted(self.categories.values(), key=lambda c: (c.name.casefold(), c.id))

    def get_category(self, category_id: str) -> Category | None:
        return self.categories.get(category_id)

    def add_category(self, category: Category, audit: Sequence[AuditDraft] = ()) -> None:
        self._maybe_stale()
        if any(c.slug == category.slug for c in self.categories.values()):
            raise SlugTaken()
        if category.parent_id is not None and category.parent_id not in self.categories:
            raise ValidationFailed(details=[{"field": "body.parent_id"}])
        self.categories[category.id] = category
        self.product_count[category.id] = 0
        land(audit)

    def replace_category(
        self, old: Category, new: Category, ancestors: Sequence[Category], audit: Sequence[AuditDraft] = ()
    ) -> None:
        self._maybe_stale()
        if self.categories.get(old.id) != old or any(self.categories.get(a.id) != a for a in ancestors):
            raise StaleWrite()
        if any(c.slug == new.slug and c.id != new.id for c in self.categories.values()):
            raise SlugTaken()
        self.categories[new.id] = new
        land(audit)

    def remove_category(self, category: Category, audit: Sequence[AuditDraft] = ()) -> None:
        self._maybe_stale()
        children = [c for c in self.categories.values() if c.parent_id == category.id]
        if self.product_count[category.id] or children:
            raise CategoryNotEmpty()
        del self.categories[category.id]
        land(audit)

    def get_product(self, product_id: str) -> Product | None:
        return self.products.get(product_id)

    def _check_sku_and_category(self, product: Product) -> None:
        if any(sku_key(p.sku) == sku_key(product.sku) and p.id != product.id for p in self.products.values()):
            raise SkuTaken()
        if product.category_id not in self.categories:
            raise ValidationFailed(details=[{"field": "body.category_id"}])

    def add_product(self, product: Product, audit: Sequence[AuditDraft] = ()) -> None:
        self._maybe_stale()
        self._check_sku_and_category(product)
        self.products[product.id] = product
        self.product_count[product.category_id] += uses_category(product.status)
        land(audit)

    def replace_product(self, old: Product, new: Product, audit: Sequence[AuditDraft] = ()) -> None:
        self._maybe_stale()
        if self.products[old.id].version != old.version:
            raise StaleWrite()
        self._check_sku_and_category(new)
        self.product_count[old.category_id] -= uses_category(old.status)
        self.product_count[new.category_id] += uses_category(new.status)
        self.products[new.id] = new
        land(audit)

    def list_products(
        self,
        statuses: Sequence[ProductStatus],
        category_id: str | None,
        name_contains: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Product]:
        scope = scope_of(statuses, category_id, name_contains)
        after = str(decode_cursor(cursor, scope).key["after"]) if cursor else ""
        rows = sorted(
            (p for p in self.products.values() if p.status in statuses),
            key=lambda p: f"{p.name.casefold()}#{p.id}",
        )
        rows = [p for p in rows if category_id in (None, p.category_id)]
        rows = [p for p in rows if not name_contains or name_contains in p.name.casefold()]
        rows = [p for p in rows if f"{p.name.casefold()}#{p.id}" > after]
        if len(rows) <= limit:
            return Page(rows, None)
        last = rows[limit - 1]
        return Page(
            rows[:limit], encode_cursor(Position(0, {"after": f"{last.name.casefold()}#{last.id}"}), scope)
        )


class MemoryStock:
    """Applies an adjustment only if the result stays at or above zero, like the conditional UpdateItem."""

    def __init__(self, **available: int) -> None:
        self.levels = {pid: StockLevels(pid, n, 0, 0) for pid, n in available.items()}
        self.asked_below: list[tuple[int | None, int, str | None]] = []

    def stock_levels(self, product_id: str) -> StockLevels | None:
        return self.levels.get(product_id)

    def adjust_stock(self, product_id: str, delta: int, audit: Sequence[AuditDraft] = ()) -> StockLevels:
        old = self.levels.get(product_id)
        if old is None:
            raise NotFound()
        if old.available < needed_available(delta):
            raise InsufficientStock(details={"available": old.available})
        self.levels[product_id] = StockLevels(product_id, old.available + delta, old.reserved, old.sold)
        land(audit)
        return self.levels[product_id]

    def products_below(self, threshold: int | None, limit: int, cursor: str | None) -> Page[StockedProduct]:
        self.asked_below.append((threshold, limit, cursor))
        return Page([], None)


# ---------------------------------------------------------------- carts
def tx_element(check: Callable[[], bool], apply: Callable[[], object]) -> TxItem:
    """A fake transaction element (a cart's delete, a shipment's put): `MemoryOrders.commit` applies
    the change only if every element's check holds, then applies each element."""
    return {"check": check, "apply": apply}


class MemoryCarts:
    """CartsTable in memory: the CartStore port and checkout's CartSource, with the DynamoDB store's
    conditions. A line write's limits are its own condition (CartFull for a 51st line,
    ValidationFailed on body.quantity for a line past 99), every write gives the cart a new version
    never used before, a guest's write puts its expiry a week ahead, and a merge or checkout's
    delete holds only while the cart is the version read (CartChanged, a failed foreign element).
    `writes` counts writes; `before_merge_save` runs just before a merge's conditional write."""

    def __init__(self) -> None:
        self.carts: dict[str, StoredCart] = {}
        self.expiry: dict[str, int | None] = {}
        self.writes = 0
        self.before_merge_save: Callable[[], object] = lambda: None
        self._versions = itertools.count(1)

    def fill(self, owner_id: str, **lines: int) -> StoredCart:
        """The cart as earlier writes left it: these lines, oldest first, at a new version."""
        now = datetime(2030, 1, 1, tzinfo=UTC)
        added = [
            CartLine(pid, n, cart_timestamp(now + timedelta(seconds=i)))
            for i, (pid, n) in enumerate(lines.items())
        ]
        return self._save(CartOwner(owner_id, is_guest=False), tuple(added), now)

    def get(self, owner_id: str) -> StoredCart:
        return self.carts.get(owner_id, StoredCart(owner_id))

    def get_pair(self, first_id: str, second_id: str) -> tuple[StoredCart, StoredCart]:
        return self.get(first_id), self.get(second_id)

    def add_line(
        self, owner: CartOwner, product_id: str, quantity: int, now: datetime
    ) -> tuple[StoredCart, StoredCart]:
        before = self.get(owner.id)
        old = before.line(product_id)
        if old is None and len(before.lines) >= MAX_LINES:
            raise CartFull()
        if old is not None and old.quantity + quantity > MAX_QUANTITY:
            raise line_over_limit()
        total = quantity + (old.quantity if old else 0)
        return before, self._save(owner, with_quantity(before, product_id, total, cart_timestamp(now)), now)

    def set_line(
        self, owner: CartOwner, product_id: str, quantity: int, now: datetime
    ) -> tuple[StoredCart, StoredCart]:
        before = self.get(owner.id)
        if before.line(product_id) is None and len(before.lines) >= MAX_LINES:
            raise CartFull()
        return before, self._save(
            owner, with_quantity(before, product_id, quantity, cart_timestamp(now)), now
        )

    def remove_line(self, owner: CartOwner, product_id: str, now: datetime) -> tuple[bool, StoredCart]:
        cart = self.get(owner.id)
        if cart.line(product_id) is None:  # the condition fails: the cart as it was
            return False, cart
        return True, self._save(owner, with_quantity(cart, product_id, 0, ""), now)

    def restore_line(
        self, owner: CartOwner, product_id: str, before: CartLine | None, written: CartLine, now: datetime
    ) -> None:
        """Only while the line still holds the quantity written (the adapter's condition)."""
        cart = self.get(owner.id)
        line = cart.line(product_id)
        if line is not None and line.quantity == written.quantity:
            self._save(owner, with_quantity(cart, product_id, before.quantity if before else 0, ""), now)

    def remove_lines(self, owner: CartOwner, product_ids: Sequence[str], now: datetime) -> None:
        cart = self.get(owner.id)
        if cart.version is not None:  # a cart that is gone has nothing left to prune
            self._save(owner, tuple(line for line in cart.lines if line.product_id not in product_ids), now)

    def empty(self, owner_id: str) -> None:
        self.carts.pop(owner_id, None)
        self.expiry.pop(owner_id, None)

    def save_merge(
        self, user: StoredCart, merged: Sequence[CartLine], guest: StoredCart, now: datetime
    ) -> None:
        self.before_merge_save()
        if (
            self.get(user.owner_id).version != user.version
            or self.get(guest.owner_id).version != guest.version
        ):
            raise CartChanged()
        self._save(CartOwner(user.owner_id, is_guest=False), tuple(merged), now)
        self.empty(guest.owner_id)

    def get_cart_for_checkout(self, owner_id: str) -> tuple[list[CheckoutLine], str | None]:
        cart = self.get(owner_id)
        return [(line.product_id, line.quantity) for line in cart.lines], cart.version

    def cart_delete_item(self, owner_id: str, version: str) -> TxItem:
        return tx_element(lambda: self.get(owner_id).version == version, lambda: self.empty(owner_id))

    def _save(self, owner: CartOwner, lines: tuple[CartLine, ...], now: datetime) -> StoredCart:
        self.writes += 1
        cart = StoredCart(owner.id, lines, f"v{next(self._versions)}", cart_timestamp(now))
        self.carts[owner.id], self.expiry[owner.id] = cart, expires_at(owner, now)
        return cart


class CartsOfTheirOwn:
    """Checkout's CartSource beside a real DynamoDB order store: every checkout finds a full cart of
    one unit of `product_id`, which only it deletes (its delete is a condition on a cart item that
    nobody has), so that only the open-orders limit can stop a checkout."""

    def __init__(self, product_id: str) -> None:
        self._product_id = product_id

    def get_cart_for_checkout(self, owner_id: str) -> tuple[list[CheckoutLine], str | None]:
        return [(self._product_id, 1)], "v1"

    def cart_delete_item(self, owner_id: str, version: str) -> TxItem:
        key = {"pk": {"S": f"CART#{uuid.uuid4().hex}"}, "sk": {"S": "CART"}}
        check = {
            "TableName": settings().carts_table,
            "Key": key,
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return {"ConditionCheck": check}


class MemoryProductCatalog:
    """The catalog's current products as carts price them (ProductCatalog); `reads` counts batch reads."""

    def __init__(self) -> None:
        self.items: dict[str, Product] = {}
        self.reads = 0

    def add(self, product_id: str, price: int = 1000, **overrides: Any) -> Product:
        """An ACTIVE USD product with 500 units, but for `overrides` (status, currency, stock_available…)."""
        base = Product(
            id=product_id, sku=f"SKU-{product_id}", name=f"Mug {product_id}", description=None,
            price_cents=price, currency="USD", category_id="c", status="ACTIVE", stock_available=500,
            created_at="t", updated_at="t",
        )  # fmt: skip
        self.items[product_id] = replace(base, **overrides)
        return self.items[product_id]

    def products(
        self, product_ids: Iterable[str], *, needed: Mapping[str, int] | None = None
    ) -> dict[str, Product]:
        self.reads += 1  # every product with its whole stock: at least what `needed` asks
        return {pid: self.items[pid] for pid in product_ids if pid in self.items}


# ---------------------------------------------------------------- orders
@dataclass
class Levels:
    """One stock shard's units."""

    available: int
    reserved: int = 0
    sold: int = 0


class Shelf:
    """A product as checkout reads it: price, status, currency and stock shards (`Shelf(1000, 4, 3)`:
    two shards)."""

    def __init__(self, price: int, *shards: int, status: str = "ACTIVE", currency: str = "USD") -> None:
        self.price, self.status, self.currency = price, status, currency
        self.shards = [Levels(units) for units in shards]

    @property
    def available(self) -> int:
        return sum(s.available for s in self.shards)

    @available.setter
    def available(self, units: int) -> None:
        assert len(self.shards) == 1, "set one shard's level on a sharded shelf"
        self.shards[0].available = units

    @property
    def reserved(self) -> int:
        return sum(s.reserved for s in self.shards)

    @property
    def sold(self) -> int:
        return sum(s.sold for s in self.shards)

    @property
    def total(self) -> int:
        return self.available + self.reserved + self.sold


class MemoryShelves:
    """CatalogTable's products and stock shards as checkout reads them (ProductSource); the stock that
    `MemoryOrders` moves in its commits. A product `pid` is SKU `PID`, named `Product pid`."""

    def __init__(self, **shelves: Shelf) -> None:
        self.shelves = shelves
        self.rng = random.Random(7)
        self.reads: list[tuple[str, ...]] = []  # the products of each read, "*" marking every_shard

    def products_for_checkout(
        self, product_ids: Sequence[str], *, every_shard: bool = False
    ) -> dict[str, ProductSnapshot]:
        self.reads.append(tuple(product_ids) + (("*",) if every_shard else ()))
        found = {}
        for pid, s in self.shelves.items():
            if pid not in product_ids:
                continue
            numbers = range(len(s.shards))
            read = numbers if every_shard or len(numbers) <= 2 else sorted(self.rng.sample(numbers, 2))
            levels = {shard: s.shards[shard].available for shard in read}
            found[pid] = ProductSnapshot(
                pid,
                pid.upper(),
                f"Product {pid}",
                s.price,
                s.currency,
                s.status,
                sum(levels.values()),
                levels,
                every_shard=len(levels) == len(s.shards),
            )
        return found

    def move_refused(self, move: StockMove) -> Shortage | bool:
        """Why the move's condition fails: a Shortage (gone, off sale, too few on its shard), True (a
        changed price, or too few units to sell, release or restock), or False: it holds."""
        shelf = self.shelves.get(move.product_id)
        shard = shelf.shards[move.shard] if shelf and move.shard < len(shelf.shards) else None
        if move.kind == "reserve":
            available = shard.available if shard and shelf and shelf.status == "ACTIVE" else 0
            if available < move.quantity:
                return Shortage(move.product_id, move.quantity, available)
            return shelf is not None and shelf.price != move.unit_price_cents
        return shard is None or getattr(shard, _STOCK_MOVES[move.kind][0]) < move.quantity

    def apply(self, move: StockMove) -> None:
        shard = self.shelves[move.product_id].shards[move.shard]
        source, target = _STOCK_MOVES[move.kind]
        setattr(shard, source, getattr(shard, source) - move.quantity)
        setattr(shard, target, getattr(shard, target) + move.quantity)


_STOCK_MOVES = {
    "reserve": ("available", "reserved"),
    "sell": ("reserved", "sold"),
    "release": ("reserved", "available"),
    "restock": ("sold", "available"),
}


class MemoryOrders:
    """OrdersTable in memory: the OrderStore port (and shipping's ShippedOrders), a commit applied
    all-or-nothing under the DynamoDB transaction's conditions: the stored order still at
    `base_version` (absent for 0; for shipping's events, only checked to be PAID or SHIPPED), each
    event's seq free, a paid order's cancellation only while it has no shipment, stock moves on
    `shelves`, new payments on free ids, refund steps from the step before, the owner's open-orders
    slots (at most MAX_OPEN_ORDERS) and every foreign element's check. A refusal is CommitRefused
    with the adapter's flags. `fulfilment` is the order state that shipments record (written by
    MemoryShipments' elements), read over the order item as `get_order` does.

    `busy` makes that many next commits fail as a transaction conflict; `before_commit` callables run
    once, before the next commit (another writer getting in first); `commits` counts commits."""

    def __init__(self, shelves: MemoryShelves | None = None) -> None:
        self.shelves = shelves if shelves is not None else MemoryShelves()
        self.orders: dict[str, Order] = {}
        self.events: dict[str, list[OrderEvent]] = {}
        self.payments: dict[str, list[Payment]] = {}
        self.fulfilment: dict[str, Order] = {}
        self.open_orders: dict[str, set[str]] = {}
        self.busy = 0
        self.before_commit: list[Callable[[], object]] = []
        self.commits = 0

    def get_order(self, order_id: str) -> Order | None:
        own, shipped = self.orders.get(order_id), self.fulfilment.get(order_id)
        if own is None or shipped is None or shipped.version <= own.version:
            return own
        return replace(own, status=shipped.status, version=shipped.version, updated_at=shipped.updated_at)

    def order_history(self, order_id: str) -> OrderHistory | None:
        order = self.get_order(order_id)
        if order is None:
            return None
        return OrderHistory(order, list(self.events.get(order_id, [])), list(self.payments.get(order_id, [])))

    def orders_of(self, user_id: str, limit: int, cursor: str | None) -> Page[Order]:
        mine = sorted((o for o in self.orders.values() if o.user_id == user_id), key=lambda o: o.created_at)
        return Page([order for o in mine[::-1][:limit] if (order := self.get_order(o.id))], None)

    def due_reservations(self, now: str, limit: int) -> list[str]:
        due = [
            o
            for o in self.orders.values()
            if o.status == "PENDING_PAYMENT" and o.reservation_expires_at < now
        ]
        return [o.id for o in sorted(due, key=lambda o: o.reservation_expires_at)][:limit]

    def commit(self, change: OrderChange) -> None:
        while self.before_commit:
            self.before_commit.pop(0)()
        if self.busy:
            self.busy -= 1
            raise CommitRefused(busy=True)
        slots = self.open_orders.setdefault(change.order.user_id, set())
        refused = [(move, self.shelves.move_refused(move)) for move in change.stock]
        shortages = [why for _, why in refused if isinstance(why, Shortage)]
        stale = any(why is True and move.kind == "reserve" for move, why in refused)
        order_ok = self._order_holds(change)
        foreign_ok = all(element["check"]() for element in change.foreign)
        slot_ok = change.pending_slot != "take" or len(slots) < MAX_OPEN_ORDERS
        if any(why for _, why in refused) or not (order_ok and foreign_ok and slot_ok):
            raise CommitRefused(
                shortages=shortages,
                stale_prices=stale,
                order_changed=not order_ok,
                foreign_failed=not foreign_ok,
                too_many_open_orders=not slot_ok,
            )
        self._apply(change, slots)

    def _order_holds(self, change: OrderChange) -> bool:
        order_id, own = change.order.id, self.orders.get(change.order.id)
        if change.fulfilment:
            stored = own is not None and own.status in ("PAID", "SHIPPED")
        else:
            stored = (
                own is None
                if change.base_version == 0
                else own is not None and own.version == change.base_version
            )
        seqs = {e.seq for e in self.events.get(order_id, [])}
        paid = {p.id: p for p in self.payments.get(order_id, [])}
        cancels_paid = any(
            isinstance(e.data, OrderCancelled) and e.data.previous_status == "PAID" for e in change.events
        )
        return (
            stored
            and not any(e.seq in seqs for e in change.events)
            and not (cancels_paid and order_id in self.fulfilment)
            and not any(p.id in paid for p in change.new_payments)
            and all(p.id in paid and paid[p.id].status == REFUND_STEPS[p.status] for p in change.refunds)
        )

    def _apply(self, change: OrderChange, slots: set[str]) -> None:
        order_id = change.order.id
        self.commits += 1
        land(change.audit)
        for move in change.stock:
            self.shelves.apply(move)
        if not change.fulfilment:  # shipping's state is the shipment's (a foreign element) to write
            self.orders[order_id] = change.order
        self.events.setdefault(order_id, []).extend(change.events)
        mine = self.payments.setdefault(order_id, [])
        mine.extend(change.new_payments)
        for refund in change.refunds:
            mine[[p.id for p in mine].index(refund.id)] = refund
        for element in change.foreign:
            element["apply"]()
        if change.pending_slot == "take":
            slots.add(order_id)
        elif change.pending_slot == "release":
            slots.discard(order_id)


class MemoryShipments:
    """Shipment items of `orders`' table (ShipmentStore): elements of the order's commit that claim a
    free order, shipment id and tracking number, or replace a shipment still in the state read (its
    status and number of events, the adapter's condition); each records the order's state in
    `orders.fulfilment`."""

    def __init__(self, orders: MemoryOrders) -> None:
        self._orders = orders
        self.by_order: dict[str, Shipment] = {}
        self.lookup: dict[str, str] = {}
        self.numbers: set[str] = set()

    def shipment(self, shipment_id: str) -> Shipment | None:
        found = self.by_order.get(self.lookup.get(shipment_id, ""))
        return found if found is not None and found.id == shipment_id else None

    def shipment_of_order(self, order_id: str) -> Shipment | None:
        return self.by_order.get(order_id)

    def creation_elements(self, shipment: Shipment, order: Order) -> list[TxItem]:
        return [
            tx_element(lambda: shipment.order_id not in self.by_order, lambda: self._put(shipment, order)),
            tx_element(
                lambda: shipment.id not in self.lookup,
                lambda: self.lookup.update({shipment.id: shipment.order_id}),
            ),
            tx_element(
                lambda: shipment.tracking_number not in self.numbers,
                lambda: self.numbers.add(shipment.tracking_number),
            ),
        ]

    def update_element(self, before: Shipment, after: Shipment, order: Order) -> TxItem:
        seen = (before.status, len(before.events))

        def unchanged() -> bool:
            held = self.by_order.get(before.order_id)
            return held is not None and (held.status, len(held.events)) == seen

        return tx_element(unchanged, lambda: self._put(after, order))

    def _put(self, shipment: Shipment, order: Order) -> None:
        """The shipment item, with the order's state it records (read over the order item)."""
        self.by_order[shipment.order_id], self._orders.fulfilment[shipment.order_id] = shipment, order


class RecordingAllOrders:
    """The admin's order listing: answers an empty page and remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, int, str | None]] = []

    def newest_orders(self, status: str | None, limit: int, cursor: str | None) -> Page[Order]:
        self.calls.append((status, limit, cursor))
        return Page([], None)


# ---------------------------------------------------------------- idempotency
class MemoryRecords:
    """Idempotency records with the DynamoDB store's rules: a claim succeeds only on a free key,
    completion and release only for the claim's own token; `completions` counts completed records.
    Its transaction elements are tuples that `commit_seal` applies (a command's transaction)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.completions = 0

    def begin(self, record_id: str, fingerprint: str) -> Claim | Existing:
        with self.lock:
            old = self.records.get(record_id)
            if old is None:
                token = uuid.uuid4().hex
                self.records[record_id] = {"fingerprint": fingerprint, "token": token, "response": None}
                return Claim(record_id, token)
            return Existing(old["fingerprint"], old["response"])

    def seal_element(self, claim: Claim, response: StoredResponse) -> TxItem:
        return {"seal": (claim, response)}

    def complete(self, claim: Claim, response: StoredResponse) -> None:
        with self.lock:
            record = self.records.get(claim.record_id)
            if record and record["token"] == claim.token and record["response"] is None:
                record["response"] = response
                self.completions += 1

    def release(self, claim: Claim) -> None:
        with self.lock:
            if self.records.get(claim.record_id, {}).get("token") == claim.token:
                del self.records[claim.record_id]

    def find(self, record_id: str) -> Existing | None:
        with self.lock:
            old = self.records.get(record_id)
            return None if old is None else Existing(old["fingerprint"], old["response"])

    def record_element(self, record_id: str, fingerprint: str, response: StoredResponse) -> TxItem:
        return {"record": (record_id, fingerprint, response)}

    def record(self, record_id: str, fingerprint: str, response: StoredResponse) -> Existing | None:
        with self.lock:
            old = self.records.get(record_id)
            if old is not None:
                return Existing(old["fingerprint"], old["response"])
            self.records[record_id] = {"fingerprint": fingerprint, "token": None, "response": response}
            self.completions += 1
            return None

    def commit_seal(self, element: TxItem) -> None:
        """The command's transaction: a record's Put fails, and the whole commit with it, where
        the key is taken."""
        if "seal" in element:
            self.complete(*element["seal"])
        elif self.record(*element["record"]) is not None:
            raise Conflict("the transaction was cancelled")


# ---------------------------------------------------------------- sales statistics
class MemorySalesStats:
    """StatsTable's rules in memory: a versioned tally per order, ADD-only aggregates; the projector's
    store and the report's reader."""

    def __init__(self) -> None:
        self.tallies: dict[str, OrderTally] = {}
        self.commits = 0
        self.day_items: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.product_items: dict[tuple[str, str], dict[str, object]] = {}
        self.interfere = 0  # how many commits a concurrent writer beats

    def tally(self, order_id: str) -> OrderTally:
        return self.tallies.get(order_id, OrderTally(order_id))

    def commit(self, projection: Projection) -> None:
        order_id = projection.after.order_id
        if self.interfere:
            self.interfere -= 1
            self.tallies[order_id] = replace(self.tally(order_id), version=self.tally(order_id).version + 1)
        if self.tally(order_id).version != projection.before.version:
            raise StaleTally(order_id)
        self.tallies[order_id] = projection.after
        for day, change in projection.days.items():
            self.day_items[day]["orders_count"] += change.sale.orders
            self.day_items[day]["revenue_cents"] += change.sale.revenue_cents
            for status, n in change.statuses.items():
                self.day_items[day]["status_" + status] += n
            for pid, sold in change.sale.products.items():
                item = self.product_items.setdefault((day, pid), {"units": 0, "revenue_cents": 0})
                item.update(name=sold.name, units=int(item["units"]) + sold.units)  # type: ignore[call-overload]
                item["revenue_cents"] = int(item["revenue_cents"]) + sold.revenue_cents  # type: ignore[call-overload]
        self.commits += 1

    def days(self, first: str, last: str) -> tuple[list[DayTotals], list[ProductDayTotals]]:
        days = [
            DayTotals(
                day,
                item["orders_count"],
                item["revenue_cents"],
                {k.removeprefix("status_"): v for k, v in item.items() if k.startswith("status_")},
            )
            for day, item in sorted(self.day_items.items())
            if first <= day <= last
        ]
        products = [
            ProductDayTotals(day, pid, str(i["name"]), int(i["units"]), int(i["revenue_cents"]))  # type: ignore[call-overload]
            for (day, pid), i in sorted(self.product_items.items())
            if first <= day <= last
        ]
        return days, products


# ---------------------------------------------------------------- event consumers
class MemoryProcessedEvents:
    """The port's rules in memory: a claim that is there skips; a release takes the holder's away."""

    def __init__(self) -> None:
        self.markers: dict[tuple[str, str], str] = {}

    def claim(self, consumer: str, event_id: str) -> str | None:
        if (consumer, event_id) in self.markers:
            return None
        token = f"t{len(self.markers)}"
        self.markers[(consumer, event_id)] = token
        return token

    def release(self, consumer: str, event_id: str, token: str) -> None:
        if self.markers.get((consumer, event_id)) == token:
            del self.markers[(consumer, event_id)]


class RecordingMailer:
    """Sends every email except those whose subject contains `fail_subjects_with` (MailNotSent)."""

    def __init__(self, fail_subjects_with: str | None = None) -> None:
        self.sent: list[tuple[str, OrderEmail]] = []
        self.fail_subjects_with = fail_subjects_with

    def send(self, to: str, email: OrderEmail) -> str:
        if self.fail_subjects_with and self.fail_subjects_with in email.subject:
            raise MailNotSent("SES refused the email (Throttling)")
        self.sent.append((to, email))
        return f"m{len(self.sent)}"


class RecordingBus:
    """Accepts every message except the ids in `reject`; remembers what it accepted."""

    def __init__(self, reject: set[str] | None = None) -> None:
        self.reject = reject or set()
        self.accepted: list[BusMessage] = []

    def publish(self, messages: Sequence[BusMessage]) -> set[str]:
        self.accepted += [m for m in messages if m.id not in self.reject]
        return {m.id for m in messages if m.id in self.reject}


class RecordingPaidListing:
    """Records the orders taken out of the paid list; refuses those in `fail` as DynamoDB would."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.fail = fail or set()
        self.left: list[str] = []

    def leave_paid_listing(self, order_id: str) -> None:
        if order_id in self.fail:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "UpdateItem")
        self.left.append(order_id)


def _fakes_fit_their_ports() -> None:
    """Never called: mypy checks here that each fake fits the port it stands for."""
    port: AuditPort = RecordingAudit()
    chains: AuditChains = MemoryTrail()
    store: TrailStore = MemoryTrail()
    signer: CheckpointSigner = HmacSigner()
    verifier: CheckpointVerifier = HmacSigner()
    accounts: UserAccounts = FakeUsers()
    directory: UserDirectory = FakeUsers()
    customers: Customers = FakeUsers()
    refresh_tokens: RefreshTokenStore = MemoryRefreshTokens()
    limiter: RateLimiter = MemoryRateLimiter()
    merges: GuestCartMerger = RecordingCartMerges()
    tokens: TokenVerifier = FakeTokenVerifier()
    states: AccessStates = MemoryAccessStates()
    categories: CategoryStore = MemoryCatalog()
    products: ProductStore = MemoryCatalog()
    stock: StockStore = MemoryStock()
    processed: ProcessedEvents = MemoryProcessedEvents()
    mailer: Mailer = RecordingMailer()
    bus: BusPublisher = RecordingBus()
    listing: PaidListing = RecordingPaidListing()
    del port, chains, store, signer, verifier, accounts, directory, customers, refresh_tokens, limiter
    index: AuditIndex = MemoryTrail()
    records: IdempotencyStore = MemoryRecords()
    tallies: SalesStatsStore = MemorySalesStats()
    days: SalesStatsReader = MemorySalesStats()
    del merges, tokens, states, categories, products, stock, processed, mailer, bus, listing
    all_orders: AllOrders = RecordingAllOrders()
    carts: CartStore = MemoryCarts()
    cart_source: CartSource = MemoryCarts()
    own_carts: CartSource = CartsOfTheirOwn("p")
    priced: ProductCatalog = MemoryProductCatalog()
    shelves: ProductSource = MemoryShelves()
    orders: OrderStore = MemoryOrders()
    shipped: ShippedOrders = MemoryOrders()
    shipments: ShipmentStore = MemoryShipments(MemoryOrders())
    del index, records, tallies, days, all_orders, carts, cart_source, priced, shelves, orders, shipped
    del shipments, own_carts
