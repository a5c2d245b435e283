"""Shipping addresses sealed on order items: bound to their item, opened only under the orders' KMS purpose."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shop.adapters.orders.order_addresses import KMS_PURPOSE, SEALED_ADDRESS, SealedAddresses
from shop.adapters.pii_crypto import EnvelopeCipher, PiiDecryptionError
from shop.domain.order_lines import PostalAddress

ADDRESS = PostalAddress(name="Ada", line1="1 Road", city="London", postal_code="N1", country="GB")


class ContextBoundKms:
    """Wraps data keys with the encryption context as associated data, as KMS does: a data key made
    for one purpose does not decrypt under another (which is what the IAM conditions name)."""

    def __init__(self) -> None:
        self._master = AESGCM(AESGCM.generate_key(256))

    def generate_data_key(self, **request: Any) -> dict[str, Any]:
        plaintext, nonce = os.urandom(32), os.urandom(12)
        context = json.dumps(request["EncryptionContext"], sort_keys=True).encode()
        return {
            "Plaintext": plaintext,
            "CiphertextBlob": nonce + self._master.encrypt(nonce, plaintext, context),
        }

    def decrypt(self, **request: Any) -> dict[str, Any]:
        blob, context = request["CiphertextBlob"], json.dumps(request["EncryptionContext"], sort_keys=True)
        return {"Plaintext": self._master.decrypt(blob[:12], blob[12:], context.encode())}


def order_item(order_id: str, sk: str = "ORDER") -> dict[str, Any]:
    return {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": sk}, "status": {"S": "PENDING_PAYMENT"}}


def test_an_address_is_sealed_on_its_item_and_opens_again() -> None:
    addresses = SealedAddresses(EnvelopeCipher(ContextBoundKms(), "key", purpose=KMS_PURPOSE))
    item = order_item("o1")
    item |= addresses.seal(item, ADDRESS)
    assert b"London" not in item[SEALED_ADDRESS]["B"] and "London" not in repr(item)
    assert addresses.open(item) == ADDRESS
    assert addresses.open(order_item("o2")) is None  # nothing sealed on it


def test_a_sealed_address_copied_onto_another_order_or_event_does_not_open() -> None:
    addresses = SealedAddresses(EnvelopeCipher(ContextBoundKms(), "key", purpose=KMS_PURPOSE))
    sealed = addresses.seal(order_item("o1"), ADDRESS)
    for other in (order_item("o2"), order_item("o1", "EVENT#00000001")):
        with pytest.raises(PiiDecryptionError):
            addresses.open(other | sealed)


def test_a_grant_for_users_personal_data_cannot_open_an_order_address() -> None:
    kms = ContextBoundKms()
    item = order_item("o1")
    item |= SealedAddresses(EnvelopeCipher(kms, "key", purpose=KMS_PURPOSE)).seal(item, ADDRESS)
    with pytest.raises(InvalidTag):
        SealedAddresses(EnvelopeCipher(kms, "key")).open(item)  # the users' purpose, shop-pii
