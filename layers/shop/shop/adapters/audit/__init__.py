"""Adapters of AuditTable: the hash-chained trail and its signed checkpoints."""
