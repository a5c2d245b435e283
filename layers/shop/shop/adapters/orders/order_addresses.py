"""Shipping addresses at rest: sealed with the envelope cipher, never in clear in OrdersTable.

An order's address is personal data, kept like a user's email and name: AES-256-GCM under a KMS
data key (shop.adapters.pii_crypto) whose associated data binds it to the orders table's role, the
item's key and the attribute, so a sealed address copied onto another item does not open. Checkout
seals it on the order item and on its order_created event item (the history must still fold to the
order), and an event's `data` never holds it, so the table's stream and the bus never carry it.

Functions that never show an address hold no KMS grant for it and get a store without
`SealedAddresses`: they read orders with no address (None) and never write one, since an order item
is updated attribute by attribute after its creation and its sealed address is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from shop.adapters.pii_crypto import EnvelopeCipher
from shop.domain.order_lines import PostalAddress

AAD_TABLE = "orders"  # the table's role, not its physical name: a restored copy must still decrypt
ADDRESS = "shipping_address"
SEALED_ADDRESS, DATA_KEY = "shipping_address_enc", "pii_key"
KMS_PURPOSE = "shop-orders"
"""The KMS encryption context of order data: a grant for it opens no user's email, and the reverse."""

AttrMap = dict[str, Any]


def _item_key(item: Mapping[str, Any]) -> str:
    return f"{item['pk']['S']}|{item['sk']['S']}"


class SealedAddresses:
    def __init__(self, cipher: EnvelopeCipher) -> None:
        self._cipher = cipher

    def seal(self, item: Mapping[str, Any], address: PostalAddress) -> AttrMap:
        """The attributes that hold `address` sealed for this item (raw attribute values with pk/sk)."""
        plain = json.dumps(address.plain(), sort_keys=True, separators=(",", ":"))
        sealed = self._cipher.seal(AAD_TABLE, _item_key(item), {ADDRESS: plain})
        return {SEALED_ADDRESS: {"B": sealed.values[ADDRESS]}, DATA_KEY: {"B": sealed.encrypted_key}}

    def open(self, item: Mapping[str, Any]) -> PostalAddress | None:
        """The item's address; None if it holds none sealed. Raises PiiDecryptionError if altered."""
        if SEALED_ADDRESS not in item:
            return None
        opened = self._cipher.open(
            AAD_TABLE,
            _item_key(item),
            bytes(item[DATA_KEY]["B"]),
            {ADDRESS: bytes(item[SEALED_ADDRESS]["B"])},
        )
        return PostalAddress.of_plain(json.loads(opened[ADDRESS]))
