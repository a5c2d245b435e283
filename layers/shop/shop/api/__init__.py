"""HTTP glue shared by every API function: the resolver factory, access declarations, error
mapping and the caller's identity."""

from shop.api.app import lambda_entry, make_app

__all__ = ["lambda_entry", "make_app"]
