"""Adapters of IdempotencyTable: Idempotency-Key records."""
