"""Adapters of OrdersTable: orders, their events, payments, shipments and sealed addresses."""
