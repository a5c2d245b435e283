"""Adapters of ProcessedEventsTable: consumers' processed-event markers."""
