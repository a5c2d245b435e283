"""Adapters of StatsTable: sales tallies and day aggregates."""
