"""The price of the token hardening: what the authorizer's access-state check costs, and signing
with a key in Secrets Manager against signing with a KMS asymmetric key (ECC_NIST_P256).

Both run in this process against the local shop's emulator. Latencies through the emulator are
local HTTP round trips, not AWS's; the AWS side of the decision is the call count times the list
price, written out below.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from shop.adapters.aws import client
from shop.adapters.token_signer import JwtAccessTokenVerifier, public_keys
from shop.adapters.users.access_states_dynamo import DynamoAccessStates
from shop.bootstrap import build_access_tokens, build_public_key_ring, build_token_admission
from shop.config import settings
from shop.services.token_admission import TokenAdmission

KMS_ASYMMETRIC_USD_PER_10K = 0.15  # KMS list price for asymmetric (ECC) Sign requests, us-east-1
TOKENS_PER_ORDER = 3  # a guest token, a login (or register) and one refresh in a 15-minute session


def _median_ms(action: Callable[[], Any], count: int) -> float:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run(ctx: Any) -> str:
    count = ctx.pick(full=300, quick=10)
    token = ctx.fixtures().token(f"tokens-{uuid.uuid4().hex[:6]}")
    config = settings()
    verifier = JwtAccessTokenVerifier(
        public_keys(build_public_key_ring()), config.token_issuer, config.token_audience
    )
    dynamodb = client("dynamodb")
    reads: list[str] = []
    dynamodb.meta.events.register("before-call.dynamodb.GetItem", lambda **_: reads.append("GetItem"))
    cold = TokenAdmission(verifier, DynamoAccessStates(dynamodb, config.users_table, ttl=0.0))
    warm = build_token_admission()
    warm.admit(token)
    verify_ms = _median_ms(lambda: verifier.verify(token), count)
    warm_ms = _median_ms(lambda: warm.admit(token), count)
    reads.clear()
    cold_ms = _median_ms(lambda: cold.admit(token), count)
    reads_per_miss = len(reads) / count

    tokens = build_access_tokens()
    sign_local_ms = _median_ms(lambda: tokens.issue("u_bench", "customer", 0), count)
    kms = client("kms")
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    digest = b"\x01" * 32
    sign_kms_ms = _median_ms(
        lambda: kms.sign(
            KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256"
        ),
        count,
    )
    kms_per_1000_orders = 1000 * TOKENS_PER_ORDER * KMS_ASYMMETRIC_USD_PER_10K / 10_000
    return "\n".join(
        [
            "## Tokens: the authorizer's access check, and where the signing key lives",
            "",
            f"Medians of {count} calls in one process, against the local emulator ({ctx.engine}).",
            "",
            "| step | median ms | AWS calls |",
            "|---|---|---|",
            f"| verify the signature only (public key ring cached) | {verify_ms:.3f} | 0 |",
            f"| + access state from the authorizer's memory cache (20 s) | {warm_ms:.3f} | 0 |",
            f"| + access state read (cache miss: one projected GetItem) | {cold_ms:.3f} | {reads_per_miss:.0f} GetItem |",
            f"| sign an access token with the key from Secrets Manager (ring cached) | {sign_local_ms:.3f} | 0 |",
            f"| `kms:Sign` with an ECC_NIST_P256 key, through the emulator | {sign_kms_ms:.3f} | 1 Sign |",
            "",
            "API Gateway caches the authorizer's answer per token for 30 s, so the access-state read costs",
            "at most one eventually consistent GetItem (0.5 RRU) per token every 30 s, and none while the",
            "authorizer's own cache holds the user.",
            f"Signing with KMS would cost {TOKENS_PER_ORDER} `kms:Sign` calls per order "
            f"(${kms_per_1000_orders:.3f} per 1,000 orders at ${KMS_ASYMMETRIC_USD_PER_10K} per 10,000),",
            "a network round trip on every login, register, refresh and guest token, and a shared",
            "request quota for asymmetric operations; the key in Secrets Manager costs nothing per token.",
            "The decision and its trade-offs: docs/decisions/token-signing-key.md.",
        ]
    )
