"""Adapters of CartsTable: carts and their lines."""
