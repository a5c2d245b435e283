"""Envelope encryption of personal data: AAD binding, data-key reuse bounds and the decrypt cache."""

from __future__ import annotations

import os
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shop.adapters.pii_crypto import ENCRYPTION_CONTEXT, EnvelopeCipher, PiiDecryptionError


class FakeKms:
    """Wraps data keys under a master key held in memory, and counts calls like a bill would."""

    def __init__(self) -> None:
        self._master = AESGCM(AESGCM.generate_key(256))
        self.generated = 0
        self.decrypted = 0

    def generate_data_key(self, **request: Any) -> dict[str, Any]:
        assert (request["KeySpec"], request["EncryptionContext"]) == ("AES_256", ENCRYPTION_CONTEXT)
        self.generated += 1
        plaintext = os.urandom(32)
        nonce = os.urandom(12)
        return {
            "Plaintext": plaintext,
            "CiphertextBlob": nonce + self._master.encrypt(nonce, plaintext, None),
        }

    def decrypt(self, **request: Any) -> dict[str, Any]:
        assert request["EncryptionContext"] == ENCRYPTION_CONTEXT
        self.decrypted += 1
        blob = request["CiphertextBlob"]
        return {"Plaintext": self._master.decrypt(blob[:12], blob[12:], None)}


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def cipher(kms: FakeKms, clock: Clock | None = None, **limits: Any) -> EnvelopeCipher:
    return EnvelopeCipher(kms, "key-id", clock=clock or Clock(), **limits)


def test_round_trip_and_no_plaintext_in_the_sealed_values() -> None:
    kms = FakeKms()
    sealed = cipher(kms).seal("users", "USER#1|PROFILE", {"email": "ann@example.com", "name": "Ann Smith"})
    assert b"ann@example.com" not in b"".join(sealed.values.values())
    assert b"Ann" not in b"".join(sealed.values.values())
    opened = cipher(kms).open("users", "USER#1|PROFILE", sealed.encrypted_key, sealed.values)
    assert opened == {"email": "ann@example.com", "name": "Ann Smith"}


def test_a_ciphertext_swapped_between_attributes_does_not_decrypt() -> None:
    kms = FakeKms()
    sealed = cipher(kms).seal("users", "USER#1|PROFILE", {"email": "ann@example.com", "name": "Ann"})
    swapped = {"email": sealed.values["name"], "name": sealed.values["email"]}
    with pytest.raises(PiiDecryptionError):
        cipher(kms).open("users", "USER#1|PROFILE", sealed.encrypted_key, swapped)


def test_a_ciphertext_moved_to_another_item_or_table_does_not_decrypt() -> None:
    kms, box = FakeKms(), None
    box = cipher(kms)
    ann = box.seal("users", "USER#1|PROFILE", {"email": "ann@example.com"})
    mallory = box.seal("users", "USER#2|PROFILE", {"email": "mallory@example.com"})
    assert ann.encrypted_key == mallory.encrypted_key  # same data key: only the AAD tells them apart
    with pytest.raises(PiiDecryptionError):
        box.open("users", "USER#2|PROFILE", ann.encrypted_key, ann.values)
    with pytest.raises(PiiDecryptionError):
        box.open("orders", "USER#1|PROFILE", ann.encrypted_key, ann.values)


@pytest.mark.parametrize(
    "damage", [lambda b: b[:-1] + bytes([b[-1] ^ 1]), lambda b: b"\x02" + b[1:], lambda b: b[:10]]
)
def test_altered_ciphertexts_are_refused(damage: Any) -> None:
    kms = FakeKms()
    box = cipher(kms)
    sealed = box.seal("users", "k", {"email": "ann@example.com"})
    with pytest.raises(PiiDecryptionError):
        box.open("users", "k", sealed.encrypted_key, {"email": damage(sealed.values["email"])})


def test_the_data_key_is_reused_within_bounds_of_uses_and_age() -> None:
    kms, clock = FakeKms(), Clock()
    box = cipher(kms, clock, max_key_uses=3, max_key_age_seconds=300)
    keys = [box.seal("users", f"k{i}", {"email": "a@b.co"}).encrypted_key for i in range(4)]
    assert kms.generated == 2 and keys[0] == keys[2] != keys[3]
    clock.now = 301
    assert box.seal("users", "k9", {"email": "a@b.co"}).encrypted_key != keys[3]
    assert kms.generated == 3


def test_decrypted_data_keys_are_cached_in_a_bounded_lru() -> None:
    kms = FakeKms()
    writer = cipher(kms, max_key_uses=1)
    sealed = [writer.seal("users", f"k{i}", {"email": f"u{i}@b.co"}) for i in range(3)]
    reader = cipher(kms, max_cached_keys=2)
    for _ in range(3):
        reader.open("users", "k0", sealed[0].encrypted_key, sealed[0].values)
    assert kms.decrypted == 1
    reader.open("users", "k1", sealed[1].encrypted_key, sealed[1].values)
    reader.open("users", "k2", sealed[2].encrypted_key, sealed[2].values)  # evicts k0's key
    reader.open("users", "k0", sealed[0].encrypted_key, sealed[0].values)
    assert kms.decrypted == 4


def test_a_decrypted_data_key_is_forgotten_after_its_age_bound() -> None:
    kms, clock = FakeKms(), Clock()
    sealed = cipher(kms).seal("users", "k0", {"email": "u0@b.co"})
    reader = cipher(kms, clock, max_key_age_seconds=300)
    reader.open("users", "k0", sealed.encrypted_key, sealed.values)
    clock.now = 299
    reader.open("users", "k0", sealed.encrypted_key, sealed.values)
    assert kms.decrypted == 1
    clock.now = 300  # however often it is used, a warm container does not keep it longer
    assert reader.open("users", "k0", sealed.encrypted_key, sealed.values) == {"email": "u0@b.co"}
    assert kms.decrypted == 2


def test_a_decrypted_data_key_is_forgotten_after_its_use_bound() -> None:
    kms = FakeKms()
    sealed = cipher(kms).seal("users", "k0", {"email": "u0@b.co"})
    reader = cipher(kms, max_key_uses=3)
    for _ in range(4):
        reader.open("users", "k0", sealed.encrypted_key, sealed.values)
    assert kms.decrypted == 2
