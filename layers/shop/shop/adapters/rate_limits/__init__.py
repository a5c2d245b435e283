"""Adapters of RateLimitsTable: per-client-IP limits."""
