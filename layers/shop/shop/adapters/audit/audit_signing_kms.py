"""Checkpoint signatures with a KMS asymmetric key (ECC_NIST_P256, ECDSA_SHA_256).

Signing is a `kms:Sign` call with the checkpoint's 32-byte digest as a RAW message (KMS hashes it
once more with SHA-256: the same on AWS and in moto, whose DIGEST mode hashes too): the private key
never leaves KMS, and only the checkpoint function is granted it. Verifying needs only the public key (`GetPublicKey`,
read once per key), so the verifier can run anywhere, offline from the signer.
"""

from __future__ import annotations

from typing import Any

ALGORITHM = "ECDSA_SHA_256"


class KmsCheckpointSigner:
    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms, self._key_id = kms, key_id
        self._public_keys: dict[str, Any] = {}

    @property
    def key_id(self) -> str:
        return self._key_id

    def sign(self, digest: bytes) -> bytes:
        answer = self._kms.sign(
            KeyId=self._key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm=ALGORITHM
        )
        return bytes(answer["Signature"])

    def verify(self, key_id: str, digest: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        key = self._public_key(key_id)
        try:
            key.verify(signature, digest, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return False
        return True

    def _public_key(self, key_id: str) -> Any:
        if key_id not in self._public_keys:
            from cryptography.hazmat.primitives.serialization import load_der_public_key

            der = self._kms.get_public_key(KeyId=key_id)["PublicKey"]
            self._public_keys[key_id] = load_der_public_key(bytes(der))
        return self._public_keys[key_id]
