"""Adapters of CatalogTable: categories, products, stock shards, inventory."""
