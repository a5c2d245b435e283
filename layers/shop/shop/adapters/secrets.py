"""Secrets Manager as a SecretStore, with values cached in memory for a few minutes.

Caching keeps Secrets Manager off the request path (and its per-call price off the bill); the
short lifetime lets a rotated secret reach every warm function within minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from shop.adapters.aws import lazy_client
from shop.domain.users import EmailIndex

CACHE_SECONDS = 300.0


class SecretsManagerStore:
    def __init__(
        self,
        secrets_client: Any = None,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = secrets_client if secrets_client is not None else lazy_client("secretsmanager")
        self._ttl, self._clock = ttl, clock
        self._cache: dict[str, tuple[float, str]] = {}

    def read(self, secret_id: str) -> str | None:
        cached = self._cache.get(secret_id)
        if cached is not None and self._clock() - cached[0] < self._ttl:
            return cached[1]
        try:
            value = self._client.get_secret_value(SecretId=secret_id).get("SecretString")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None  # the secret exists but has no value yet (or does not exist at all)
            raise
        if value:
            self._cache[secret_id] = (self._clock(), value)
        return value or None

    def write(self, secret_id: str, value: str) -> None:
        self._client.put_secret_value(SecretId=secret_id, SecretString=value)
        self._cache[secret_id] = (self._clock(), value)

    def read_required(self, secret_id: str) -> str:
        value = self.read(secret_id)
        if value is None:
            raise LookupError(f"secret {secret_id} has no value")
        return value


class SecretEmailIndex:
    """The email blind index keyed by a secret that is read on first use, so functions that
    never look an email up need no access to it."""

    def __init__(self, store: SecretsManagerStore, secret_id: str) -> None:
        self._store, self._secret_id = store, secret_id
        self._index: EmailIndex | None = None

    def of(self, email: str) -> str:
        if self._index is None:
            self._index = EmailIndex(self._store.read_required(self._secret_id).encode())
        return self._index.of(email)
