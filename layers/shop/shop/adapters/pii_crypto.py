"""Envelope encryption of personal data (email, name, address) with AES-256-GCM under KMS data keys.

Each item gets its fields encrypted with a data key from KMS GenerateDataKey; the KMS-encrypted
data key is stored with the item. The associated data binds every ciphertext to its table, item
key and attribute, so a ciphertext copied to another item or attribute does not decrypt.
Plaintext data keys stay in memory only, and not for long: the encrypting key and every decrypted
key are reused for a bounded time and a bounded number of uses (a key cached by a warm container
would otherwise live as long as the container), decrypted ones in a bounded LRU, so KMS is not
called on every request.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

FORMAT_V1 = b"\x01"
NONCE_BYTES = 12
ENCRYPTION_CONTEXT = {"purpose": "shop-pii"}


class PiiDecryptionError(ValueError):
    """A ciphertext does not belong where it was found, or was altered."""


@dataclass
class _CachedKey:
    plaintext: bytes
    cached_at: float
    uses: int = 0


@dataclass(frozen=True)
class SealedFields:
    encrypted_key: bytes
    values: dict[str, bytes]


def associated_data(table: str, item_key: str, attribute: str) -> bytes:
    return json.dumps([table, item_key, attribute], separators=(",", ":")).encode()


class EnvelopeCipher:
    def __init__(
        self,
        kms: Any,
        key_id: str,
        *,
        max_key_age_seconds: float = 300.0,
        max_key_uses: int = 1000,
        max_cached_keys: int = 256,
        clock: Callable[[], float] = time.monotonic,
        purpose: str = ENCRYPTION_CONTEXT["purpose"],
    ) -> None:
        """`purpose` is the KMS encryption context: IAM grants name it, so a function allowed to open
        one kind of data (a user's email, an order's address) cannot open the other."""
        self._kms, self._key_id = kms, key_id
        self._context = {"purpose": purpose}
        self._max_age, self._max_uses, self._max_cached = max_key_age_seconds, max_key_uses, max_cached_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._current: tuple[bytes, bytes, float] | None = None  # plaintext, encrypted, created
        self._uses = 0
        self._opened: OrderedDict[bytes, _CachedKey] = OrderedDict()

    def seal(self, table: str, item_key: str, fields: Mapping[str, str | bytes]) -> SealedFields:
        """Text is sealed as UTF-8; bytes as they are (open_bytes gives them back)."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # at first use, not cold start

        plaintext_key, encrypted_key = self._encrypting_key()
        aes = AESGCM(plaintext_key)
        values = {}
        for attribute, value in fields.items():
            nonce = os.urandom(NONCE_BYTES)
            plain = value.encode() if isinstance(value, str) else value
            sealed = aes.encrypt(nonce, plain, associated_data(table, item_key, attribute))
            values[attribute] = FORMAT_V1 + nonce + sealed
        return SealedFields(encrypted_key=encrypted_key, values=values)

    def open(
        self, table: str, item_key: str, encrypted_key: bytes, values: Mapping[str, bytes]
    ) -> dict[str, str]:
        opened = self.open_bytes(table, item_key, encrypted_key, values)
        return {attribute: plain.decode() for attribute, plain in opened.items()}

    def open_bytes(
        self, table: str, item_key: str, encrypted_key: bytes, values: Mapping[str, bytes]
    ) -> dict[str, bytes]:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        aes = AESGCM(self._plaintext_key(encrypted_key))
        opened = {}
        for attribute, blob in values.items():
            if blob[:1] != FORMAT_V1 or len(blob) < 1 + NONCE_BYTES + 16:
                raise PiiDecryptionError(f"{attribute} is not a sealed value")
            nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
            try:
                plain = aes.decrypt(nonce, sealed, associated_data(table, item_key, attribute))
            except InvalidTag as exc:
                raise PiiDecryptionError(f"{attribute} does not decrypt at {item_key}") from exc
            opened[attribute] = plain
        return opened

    def _encrypting_key(self) -> tuple[bytes, bytes]:
        with self._lock:
            now = self._clock()
            current = self._current
            if current is None or self._uses >= self._max_uses or now - current[2] >= self._max_age:
                answer = self._kms.generate_data_key(
                    KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=self._context
                )
                current = (answer["Plaintext"], answer["CiphertextBlob"], now)
                self._current, self._uses = current, 0
                self._remember(current[1], current[0])
            self._uses += 1
            return current[0], current[1]

    def _plaintext_key(self, encrypted_key: bytes) -> bytes:
        with self._lock:
            cached = self._opened.get(encrypted_key)
            if cached is not None and self._is_fresh(cached, self._clock()):
                cached.uses += 1
                self._opened.move_to_end(encrypted_key)
                return cached.plaintext
            self._opened.pop(encrypted_key, None)
        answer = self._kms.decrypt(
            CiphertextBlob=encrypted_key, KeyId=self._key_id, EncryptionContext=self._context
        )
        plaintext: bytes = answer["Plaintext"]
        with self._lock:
            self._remember(encrypted_key, plaintext)
        return plaintext

    def _is_fresh(self, cached: _CachedKey, now: float) -> bool:
        return cached.uses < self._max_uses and now - cached.cached_at < self._max_age

    def _remember(self, encrypted_key: bytes, plaintext: bytes) -> None:
        self._opened[encrypted_key] = _CachedKey(plaintext, self._clock(), uses=1)
        self._opened.move_to_end(encrypted_key)
        while len(self._opened) > self._max_cached:
            self._opened.popitem(last=False)
